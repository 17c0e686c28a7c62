import Foundation

/// A problem with a file the user gave on the command line.
struct InputError: Error, CustomStringConvertible {
  let file: String
  let message: String
  var description: String { "\(file): \(message)" }
}

enum InputFiles {
  /// Lines of a UTF-8 text file (`\n` or `\r\n`); a final newline does not make an extra line.
  /// An empty file is an error.
  static func lines(_ path: String, what: String) throws -> [String] {
    let url = URL(fileURLWithPath: path)
    guard FileManager.default.fileExists(atPath: url.path) else { throw InputError(file: path, message: "no such file") }
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw InputError(file: path, message: "cannot read: \(error.localizedDescription)") }
    guard let text = String(data: data, encoding: .utf8) else { throw InputError(file: path, message: "not UTF-8 text") }
    var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
    if lines.last == "" { lines.removeLast() }
    guard !lines.isEmpty else { throw InputError(file: path, message: "no \(what) (the file is empty)") }
    return lines
  }

  /// Image paths from `--images` and an `--image-list` file (one path per line, relative to the
  /// list's folder; blank lines skipped). Every file must exist.
  static func images(_ direct: [String], list: String?) throws -> [URL] {
    var urls = direct.map { URL(fileURLWithPath: $0) }
    if let list {
      let base = URL(fileURLWithPath: list).deletingLastPathComponent()
      for line in try lines(list, what: "image paths") {
        let path = line.trimmingCharacters(in: .whitespaces)
        if path.isEmpty { continue }
        urls.append(path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path))
      }
    }
    for url in urls where !FileManager.default.fileExists(atPath: url.path) {
      throw InputError(file: url.path, message: "no such image file")
    }
    return urls
  }

  /// Writes `data` atomically (temporary file in the same folder, then rename).
  static func writeAtomically(_ data: Data, to path: String) throws {
    do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
      throw InputError(file: path, message: "cannot write: \(error.localizedDescription)")
    }
  }

  /// Pretty JSON of an Encodable value, keys in declaration order.
  static func json<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
    return try encoder.encode(value)
  }
}
