/// A safetensors file (or checkpoint index) that cannot be read or written, or a request it cannot
/// satisfy. The description names the file and what is wrong.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
  /// Path of the file concerned.
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
