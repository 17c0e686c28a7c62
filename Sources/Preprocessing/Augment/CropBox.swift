/// A rectangle inside an image, in torchvision's `(i, j, h, w)` order: `top` row, `left` column,
/// `height` rows and `width` columns.
public struct CropBox: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
  /// First row (torchvision's `i`).
  public var top: Int
  /// First column (torchvision's `j`).
  public var left: Int
  /// Rows (`h`).
  public var height: Int
  /// Columns (`w`).
  public var width: Int

  public init(top: Int, left: Int, height: Int, width: Int) {
    self.top = top
    self.left = left
    self.height = height
    self.width = width
  }

  /// `height * width`.
  public var area: Int { height * width }

  /// Whether the box is non-empty and lies inside a `width × height` image.
  public func fits(width imageWidth: Int, height imageHeight: Int) -> Bool {
    top >= 0 && left >= 0 && height > 0 && width > 0
      && top + height <= imageHeight && left + width <= imageWidth
  }

  /// `"w×h at (left, top)"`.
  public var description: String { "\(width)×\(height) at (\(left), \(top))" }
}
