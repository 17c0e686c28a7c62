/// An evaluation input file (such as a template list) that cannot be used. The description names
/// the file and what is wrong.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
  /// Path of the file concerned.
  public let file: String
  /// What is wrong.
  public let message: String

  public init(file: String, message: String) {
    self.file = file
    self.message = message
  }

  /// "file: message", or the message alone when no file is involved (metrics on embeddings).
  public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
