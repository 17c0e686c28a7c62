/// An 8-bit RGB image: `height` rows of `width` pixels, three bytes (R, G, B) each.
public struct RGBImage: Sendable, Equatable {
  /// Columns.
  public var width: Int
  /// Rows.
  public var height: Int
  /// Interleaved samples, row-major: `[H, W, 3]` (HWC, RGB); `count == width * height * 3`.
  public var pixels: [UInt8]

  /// Wraps `pixels` (`[height, width, 3]`). Precondition: the sizes agree.
  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(width >= 0 && height >= 0, "negative image size \(width)×\(height)")
    precondition(pixels.count == width * height * 3,
                 "\(pixels.count) bytes do not make a \(width)×\(height) RGB image")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// An image filled with one colour.
  public init(width: Int, height: Int, red: UInt8 = 0, green: UInt8 = 0, blue: UInt8 = 0) {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in stride(from: 0, to: pixels.count, by: 3) {
      pixels[i] = red
      pixels[i + 1] = green
      pixels[i + 2] = blue
    }
    self.init(width: width, height: height, pixels: pixels)
  }

  /// The `(r, g, b)` sample at column `x`, row `y`.
  public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8) {
    let i = (y * width + x) * 3
    return (pixels[i], pixels[i + 1], pixels[i + 2])
  }
}
