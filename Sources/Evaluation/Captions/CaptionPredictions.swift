import Foundation
import Datasets
import Tensors

/// A predictions file for `cliptune eval captions`: JSON lines
/// `{"image": PATH, "caption": TEXT, "token_ids": [...]}` (`token_ids` optional and not used for
/// scoring); blank lines are skipped.
public struct CaptionPrediction: Sendable, Equatable {
  /// The image path as written.
  public var image: String
  /// The predicted caption.
  public var caption: String
  /// The 1-based line it came from.
  public var line: Int

  public init(image: String, caption: String, line: Int) {
    self.image = image
    self.caption = caption
    self.line = line
  }

  /// Largest predictions file read (1 GB).
  public static let maxFileBytes = 1 << 30

  private struct Line: Decodable { let image: String; let caption: String; let token_ids: [Int]? }

  /// Every prediction of `file`. Throws `EvaluationError` naming the file and line for malformed
  /// JSON, a missing or non-string `image`/`caption`, an empty image path, a caption that is empty
  /// or only whitespace, and the same image predicted twice; and for a file without predictions.
  public static func load(_ file: String) throws -> [CaptionPrediction] {
    func fail(_ message: String) -> EvaluationError { EvaluationError(file: file, message: message) }
    let data: Data
    do {
      data = try InputFile.read(file, what: "predictions file", limit: maxFileBytes)
    } catch let error as InputFileError {
      throw EvaluationError(file: error.file, message: "cannot read: \(error.message)")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }
    var out: [CaptionPrediction] = []
    var firstLine: [String: Int] = [:]
    for (index, raw) in TextLines.split(text).enumerated() {
      let lineNumber = index + 1
      guard !raw.allSatisfy(\.isWhitespace) else { continue }
      let parsed: Line
      do {
        parsed = try JSONDecoder().decode(Line.self, from: Data(raw.utf8))
      } catch {
        throw fail("line \(lineNumber): not a JSON object with string fields \"image\" and \"caption\" (\(describe(error)))")
      }
      guard !parsed.image.isEmpty else { throw fail("line \(lineNumber): empty \"image\"") }
      guard !parsed.caption.allSatisfy(\.isWhitespace) else { throw fail("line \(lineNumber): empty caption for \(parsed.image)") }
      if let previous = firstLine[parsed.image] {
        throw fail("line \(lineNumber): \(parsed.image) already has a prediction (line \(previous))")
      }
      firstLine[parsed.image] = lineNumber
      out.append(CaptionPrediction(image: parsed.image, caption: parsed.caption, line: lineNumber))
    }
    guard !out.isEmpty else { throw fail("no predictions") }
    return out
  }

  private static func describe(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
    case DecodingError.typeMismatch(_, let context): return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
    case DecodingError.valueNotFound(_, let context): return "null at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
    default: return "malformed JSON"
    }
  }
}
