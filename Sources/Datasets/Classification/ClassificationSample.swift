import Foundation

/// One labelled image of a classification dataset.
public struct ClassificationSample: Sendable, Equatable, Hashable {
  /// The image file.
  public var image: URL
  /// Index into the dataset's `classNames`.
  public var label: Int

  public init(image: URL, label: Int) {
    self.image = image
    self.label = label
  }
}
