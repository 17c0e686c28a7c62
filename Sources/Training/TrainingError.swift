/// A problem in training: an optimiser state that does not fit, a checkpoint that cannot be used.
/// The description names the file (when there is one) and what is wrong.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
  /// Path of the file concerned, or empty.
  public let file: String
  /// What is wrong.
  public let message: String

  /// An error about `file` (empty when no file is involved).
  public init(file: String = "", _ message: String) {
    self.file = file
    self.message = message
  }

  /// "file: message", or the message alone.
  public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
