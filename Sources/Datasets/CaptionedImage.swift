import Foundation

/// One image of a retrieval dataset with all of its captions.
public struct CaptionedImage: Sendable, Equatable {
  /// Where the image file is (resolved and checked to exist when loaded from a file).
  public var image: URL
  /// Its captions, in file order (may be empty if the file lists none for it).
  public var captions: [String]
  /// The Karpathy split as written in the file (`train`, `restval`, `val`, `test`), or nil for
  /// formats without splits.
  public var split: String?

  public init(image: URL, captions: [String], split: String? = nil) {
    self.image = image
    self.captions = captions
    self.split = split
  }
}
