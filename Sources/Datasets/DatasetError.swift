/// A dataset file or folder that cannot be loaded. The description names the file (or folder)
/// and what is wrong with it.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
  /// Path of the file or folder concerned.
  public let file: String
  /// What is wrong.
  public let message: String

  /// An error about `file`.
  public init(file: String, message: String) {
    self.file = file
    self.message = message
  }

  public var description: String { "\(file): \(message)" }
}
