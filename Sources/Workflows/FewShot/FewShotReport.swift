import Datasets
import Evaluation
import Foundation

/// The few-shot study's HTML page for one or more finished sweeps (`results.json` each): test
/// top-1 accuracy against shots with one line per run, tables of mean ± std over seeds per shot
/// count (top-1, macro F1, mean per-class recall, and top-5 where every sub-run has it), and for
/// each run the confusion matrix of its sub-run with the most shots (lowest seed) and a table of
/// its sub-runs. Self-contained (inline SVG, no scripts); every name and path is HTML-escaped.
public enum FewShotReport {
  /// The page as a string.
  public static func html(_ runs: [FewShotResults], title: String) -> String {
    let labels = runLabels(runs)
    var report = HTMLReport(title: title)
    report.table(headers: ["run", "model", "data", "classes", "sub-runs", "images encoded"], rows: zip(runs, labels).map { run, label in
      [label, run.model, run.data, String(run.classNames.count), String(run.subRuns.count), String(run.encodedImages)]
    })
    report.heading("Test top-1 accuracy against shots")
    report.figures([accuracyChart(runs, labels: labels)])
    let columns = sortedShots(runs.flatMap { $0.summary.map(\.shots) })
    func metricTable(_ name: String, _ metric: (FewShotShotSummary) -> MeanStd?) {
      report.heading("\(name) (%, mean ± std over seeds)")
      report.table(headers: ["run"] + columns.map(shotsHeader), rows: zip(runs, labels).map { run, label in
        [label] + columns.map { shots in run.summary.first { $0.shots == shots }.flatMap(metric).map(meanStd) ?? "–" }
      })
    }
    metricTable("Test top-1 accuracy") { $0.acc1 }
    metricTable("Test macro F1") { $0.macroF1 }
    metricTable("Test mean per-class recall") { $0.meanPerClassRecall }
    if runs.contains(where: { $0.summary.contains { $0.acc5 != nil } }) {
      metricTable("Test top-5 accuracy") { $0.acc5 }
    }
    for (run, label) in zip(runs, labels) { runSection(run, label: label, into: &report) }
    return report.render()
  }

  /// Writes `html(runs, title:)` to `url` atomically (temporary file + rename). `title` nil: one
  /// naming the data set when every run used the same one.
  public static func write(_ runs: [FewShotResults], to url: URL, title: String? = nil) throws {
    let data = Set(runs.map(\.data))
    let page = html(runs, title: title ?? (data.count == 1
      ? "ClipTune few-shot study — \(URL(fileURLWithPath: data.first!).lastPathComponent)"
      : "ClipTune few-shot study"))
    do { try Data(page.utf8).write(to: url, options: .atomic) } catch {
      throw FewShotError(file: url.path, "cannot write the report: \(error.localizedDescription)")
    }
  }

  /// "method (head)", with " #2", " #3" … on repeats so every legend entry and row is distinct.
  static func runLabels(_ runs: [FewShotResults]) -> [String] {
    var seen: [String: Int] = [:]
    return runs.map { run in
      let base = "\(run.method.rawValue) (\(run.head.rawValue))"
      seen[base, default: 0] += 1
      return seen[base]! == 1 ? base : "\(base) #\(seen[base]!)"
    }
  }

  /// Two decimals: `45.00 ± 5.00`.
  static func meanStd(_ m: MeanStd) -> String { String(format: "%.2f ± %.2f", m.mean, m.std) }

  static func shotsHeader(_ shots: FewShotSampler.Shots) -> String {
    if case .perClass(let k) = shots { return k == 1 ? "1 shot" : "\(k) shots" }
    return "all"
  }

  /// The sub-run whose confusion matrix the report shows: the most shots (`all` above any K), then
  /// the lowest seed.
  static func representative(_ subRuns: [FewShotSubRunResult]) -> FewShotSubRunResult? {
    subRuns.min { a, b in rank(a.shots) != rank(b.shots) ? rank(a.shots) > rank(b.shots) : a.seed < b.seed }
  }
}
