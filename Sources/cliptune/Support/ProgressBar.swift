import Foundation

/// A one-line progress bar with rate and ETA on standard error, drawn only on a terminal.
final class ProgressBar {
  let label: String
  let total: Int
  let unit: String
  private let start = Date()
  private let enabled: Bool
  /// True when drawing to a terminal (otherwise `update` draws nothing).
  var isTerminal: Bool { enabled }
  private var lastDraw = Date.distantPast

  init(_ label: String, total: Int, unit: String = "it") {
    self.label = label
    self.total = total
    self.unit = unit
    enabled = isatty(STDERR_FILENO) == 1 && total > 0
  }

  /// Redraws with `done` of `total` finished (at most ~10 times a second, always at the end).
  func update(_ done: Int) { update(done, detail: "") }

  /// Redraws with an extra status text (loss, pairs/s) after the counts.
  func update(_ done: Int, detail: String) {
    guard enabled else { return }
    let now = Date()
    guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
    lastDraw = now
    let elapsed = now.timeIntervalSince(start)
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let eta = rate > 0 ? Double(total - done) / rate : 0
    let width = 24, filled = max(0, min(width, Int(Double(width) * Double(done) / Double(max(total, 1)))))
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    let line = "\(label) \(bar) \(done)/\(total)  " + (detail.isEmpty ? "\(String(format: "%.1f", rate)) \(unit)/s  " : detail + "  ")
      + (done >= total ? "in \(Self.clock(elapsed))" : "ETA \(Self.clock(eta))")
    FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (done >= total ? "\n" : "")).utf8))
  }

  static func clock(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "--:--" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
  }
}
