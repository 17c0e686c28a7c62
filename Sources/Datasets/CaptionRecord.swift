/// An image as a caption file lists it, before its path is resolved against image folders.
struct CaptionRecord: Equatable {
  /// The image path as written in the file (relative to an image folder, or absolute).
  var path: String
  var captions: [String]
  var split: String?
}

/// A problem found while reading a caption file; becomes a `DatasetError` naming the file.
struct FormatProblem: Error {
  let message: String
  init(_ message: String) { self.message = message }
}
