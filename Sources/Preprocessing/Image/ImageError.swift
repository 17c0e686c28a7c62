/// A failure to read, decode or configure image preprocessing. Always names the file involved.
public struct ImageError: Error, CustomStringConvertible, Sendable, Equatable {
  /// What went wrong, coarsely; `detail` has the specifics.
  public enum Kind: String, Sendable, Equatable {
    /// The file could not be read at all (missing, a directory, no permission).
    case unreadable
    /// The file has no bytes.
    case empty
    /// The bytes are not a JPEG or PNG (an unknown format, or a known but unsupported one).
    case unsupportedFormat
    /// The data ends before the image does.
    case truncated
    /// The data is damaged or uses a feature the decoder cannot handle.
    case corrupt
    /// The image has more pixels than the decompression-bomb limit.
    case tooLarge
    /// A `preprocessor_config.json` that cannot be used.
    case invalidConfig
  }

  /// The file (path or caller-supplied name) the problem is about.
  public var file: String
  /// The kind of problem.
  public var kind: Kind
  /// A human-readable explanation.
  public var detail: String

  /// An error about `file`.
  public init(file: String, kind: Kind, detail: String) {
    self.file = file
    self.kind = kind
    self.detail = detail
  }

  /// `"<file>: <detail>"`.
  public var description: String { "\(file): \(detail)" }
}
