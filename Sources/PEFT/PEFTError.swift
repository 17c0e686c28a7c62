/// A problem with a PEFT configuration, an adapter folder or a request to adapt a model. The
/// description names the file (when there is one) and what is wrong.
public struct PEFTError: Error, CustomStringConvertible, Sendable {
  /// The file or folder concerned; empty when the problem is not about a file.
  public let file: String
  /// What is wrong.
  public let message: String

  public init(file: String = "", _ message: String) {
    self.file = file
    self.message = message
  }

  public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
