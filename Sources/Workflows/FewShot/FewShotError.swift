/// A few-shot run that cannot go on: a bad setting, data that does not fit, a file that cannot be
/// written. `file` names the file concerned when there is one.
public struct FewShotError: Error, CustomStringConvertible, Sendable {
  public var file: String
  public var message: String

  public init(file: String = "", _ message: String) {
    self.file = file
    self.message = message
  }

  public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
