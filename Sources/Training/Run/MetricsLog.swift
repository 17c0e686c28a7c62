import Evaluation
import Foundation

/// `metrics.jsonl`: one JSON object per line — one per optimiser step (`step`, `epoch`, `loss`,
/// `lr`, `seconds`, …) and one per evaluation (`split`, `loss`, `mean_cosine`, recalls).
/// Each line is written with a single `write` and flushed, so a killed run leaves whole lines.
public final class MetricsLog {
  public let url: URL
  private let handle: FileHandle
  /// Whether each line is flushed to the disk as it is written (`fsync`).
  public let synchronizesEachLine: Bool

  /// Opens (creating if needed) the log for appending. With `synchronizesEachLine` false, lines
  /// are written at once but reach the disk when the system flushes them or `close()` is called —
  /// for logs whose run redoes itself whole when killed (a few-shot sub-run), where an fsync per
  /// step would cost more than the steps.
  public init(url: URL, synchronizesEachLine: Bool = true) throws {
    self.url = url
    self.synchronizesEachLine = synchronizesEachLine
    if !FileManager.default.fileExists(atPath: url.path) {
      guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
        throw TrainingError(file: url.path, "cannot create the metrics log")
      }
    }
    do { handle = try FileHandle(forWritingTo: url) } catch {
      throw TrainingError(file: url.path, "cannot open the metrics log: \(error.localizedDescription)")
    }
    try handle.seekToEnd()
  }

  deinit { try? handle.close() }

  /// Flushes every line written so far to the disk.
  public func synchronize() throws {
    do { try handle.synchronize() } catch {
      throw TrainingError(file: url.path, "cannot flush the metrics log: \(error.localizedDescription)")
    }
  }

  /// Appends one record as a compact JSON line.
  public func append(_ record: OrderedJSON) throws {
    let line = record.compactText() + "\n"
    do {
      try handle.write(contentsOf: Data(line.utf8))
      if synchronizesEachLine { try handle.synchronize() }
    } catch {
      throw TrainingError(file: url.path, "cannot append to the metrics log: \(error.localizedDescription)")
    }
  }

  /// Every record in the file, parsed (lines that are not JSON objects, such as a torn last line
  /// from a crash, are skipped).
  public static func read(_ url: URL) throws -> [[String: Any]] {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap {
      (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
    }
  }

  /// Rewrites the file (atomically) keeping only records up to optimiser step `step`, so a resumed
  /// run continues the log exactly where its checkpoint left off.
  public static func truncate(_ url: URL, keepingThroughStep step: Int) throws {
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return }
    let kept = text.split(separator: "\n").filter { line in
      guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return false }
      return (obj["step"] as? Int).map { $0 <= step } ?? true
    }
    do {
      try Data((kept.joined(separator: "\n") + (kept.isEmpty ? "" : "\n")).utf8).write(to: url, options: .atomic)
    } catch {
      throw TrainingError(file: url.path, "cannot rewrite the metrics log: \(error.localizedDescription)")
    }
  }
}

extension OrderedJSON {
  /// One-line JSON (for JSON-lines files).
  public func compactText() -> String {
    switch self {
    case .object(let members):
      return "{" + members.map { "\(OrderedJSON.string($0.0).text()): \($0.1.compactText())" }.joined(separator: ", ") + "}"
    case .array(let items):
      return "[" + items.map { $0.compactText() }.joined(separator: ", ") + "]"
    default:
      return text()
    }
  }
}
