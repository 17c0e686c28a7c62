import Foundation
import Tensors

/// Class-name files: one name per line (LF, CRLF or CR; surrounding spaces trimmed, blank lines
/// ignored), in label order.
enum ClassNamesFile {
  /// Largest class-name file read.
  static let maxBytes = 64 << 20

  /// The names in `file`. Throws `DatasetError` naming the file ("cannot read class names: …").
  static func read(_ file: URL) throws -> [String] {
    func fail(_ message: String) -> DatasetError { DatasetError(file: file.path, message: "cannot read class names: \(message)") }
    let data: Data
    do { data = try InputFile.read(file.path, what: "class names file", limit: maxBytes) } catch let error as InputFileError {
      throw fail(error.message)
    }
    guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }
    return TextLines.split(text)
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
  }
}
