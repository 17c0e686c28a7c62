/// A training problem the user can act on; the message names the file or setting and what is wrong.
public struct TrainingError: Error, CustomStringConvertible {
  public let file: String
  public let message: String
  public init(file: String = "", _ message: String) { self.file = file; self.message = message }
  public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
