import Foundation
import Training

/// A training run's progress on standard error: on a terminal, a bar with loss and pairs/s;
/// otherwise (logs, pipes) a plain `step N/M  loss …  pairs/s` line every 10 s and at the end.
final class TrainingProgressDisplay {
  private let bar: ProgressBar
  private let indent: String
  private var lastLine = Date.distantPast

  /// `indent` prefixes the bar's label and every plain line.
  init(_ label: String, totalSteps: Int, indent: String = "") {
    bar = ProgressBar(indent + label, total: totalSteps, unit: "step")
    self.indent = indent
  }

  func show(_ p: TrainingProgress) {
    bar.update(p.step, detail: String(format: "loss %.4f  %.1f pairs/s", p.loss, p.pairsPerSecond))
    guard !bar.isTerminal, Date().timeIntervalSince(lastLine) > 10 || p.step == p.totalSteps else { return }
    lastLine = Date()
    FileHandle.standardError.write(Data((indent + String(format: "step %d/%d  loss %.4f  %.1f pairs/s\n",
                                                          p.step, p.totalSteps, p.loss, p.pairsPerSecond)).utf8))
  }
}
