import Datasets
import Evaluation
import Foundation

/// The report's accuracy-against-shots chart and the shot-count axis it shares with the tables.
extension FewShotReport {
  /// Shot counts in axis order: K ascending, `all` last.
  static func sortedShots(_ shots: some Sequence<FewShotSampler.Shots>) -> [FewShotSampler.Shots] {
    Set(shots).sorted { rank($0) < rank($1) }
  }

  static func rank(_ shots: FewShotSampler.Shots) -> Int {
    if case .perClass(let k) = shots { return k }
    return .max
  }

  /// Where a shot count sits on the x axis: log₂ K (1, 2, 4, 8, 16 evenly spaced); `all` one step
  /// after the largest K (at 0 when there is none).
  static func xPosition(_ shots: FewShotSampler.Shots, largestK: Int?) -> Double {
    switch shots {
    case .perClass(let k): return log2(Double(k))
    case .all: return largestK.map { log2(Double($0)) + 1 } ?? 0
    }
  }

  /// Top-1 test accuracy (mean ± std over seeds) against shots, one line per run; zero-shot runs,
  /// whose accuracy does not depend on shots, as dashed horizontal lines.
  static func accuracyChart(_ runs: [FewShotResults], labels: [String]) -> String {
    let trained = runs.filter { $0.method != .zeroShot }
    let axisShots = sortedShots((trained.isEmpty ? runs : trained).flatMap { $0.summary.map(\.shots) })
    let largestK = axisShots.compactMap { shots -> Int? in if case .perClass(let k) = shots { return k } else { return nil } }.max()
    var chart = SVGLineChart(title: "Test top-1 accuracy (mean ± std over seeds)", xLabel: "shots per class (log₂ scale)",
                             yLabel: "top-1 accuracy (%)", series: [])
    chart.xTicks = axisShots.map { (xPosition($0, largestK: largestK), $0.description) }
    chart.legendOutside = true
    chart.width = 760
    chart.height = 360
    for (i, (run, label)) in zip(runs, labels).enumerated() {
      let color = palette[i % palette.count]
      if run.method == .zeroShot {
        if let first = run.summary.first { chart.referenceLines.append(.init(label: label, color: color, y: first.acc1.mean)) }
        continue
      }
      let summary = run.summary.sorted { rank($0.shots) < rank($1.shots) }
      chart.series.append(.init(label: label, color: color,
                                points: summary.map { (xPosition($0.shots, largestK: largestK), $0.acc1.mean) },
                                errors: summary.map(\.acc1.std)))
    }
    return chart.render()
  }

  /// Matplotlib's tab10.
  static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
}
