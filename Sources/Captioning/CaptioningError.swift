/// A problem with a captioning model, its files or its inputs; the message names the file and what is wrong.
public struct CaptioningError: Error, CustomStringConvertible {
  public let file: String
  public let message: String
  public init(file: String = "", _ message: String) { self.file = file; self.message = message }
  public var description: String { file.isEmpty ? message : "\(file): \(message)" }
}
