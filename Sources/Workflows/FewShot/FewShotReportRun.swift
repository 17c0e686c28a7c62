import Evaluation
import Foundation

/// One run's part of the few-shot report: its setup, a confusion matrix and its sub-runs.
extension FewShotReport {
  static func runSection(_ run: FewShotResults, label: String, into report: inout HTMLReport) {
    report.heading("Run: \(label)")
    report.paragraph("Model \(run.model), data \(run.data), \(run.classNames.count) classes, \(run.subRuns.count) sub-runs, "
                     + "\(run.encodedImages) images encoded.")
    if let shown = representative(run.subRuns) {
      let test = shown.test
      report.figures([SVGConfusionMatrix(title: "\(label): test confusion, \(shotsHeader(shown.shots)), seed \(shown.seed)",
                                         counts: test.confusionMatrix, classNames: run.classNames).render()])
      var note = "Rows: true class, columns: predicted class; shade: share of the row"
      note += run.classNames.count <= SVGConfusionMatrix.countsUpTo ? ", numbers: counts." : " (hover a cell for its count)."
      if test.unpredicted > 0 { note += " \(test.unpredicted) test images had no prediction (all logits NaN) and appear in no column." }
      report.paragraph(note)
    }
    let chosenKeys: [String] = Set(run.subRuns.flatMap(\.chosen.keys)).sorted()
    let subRuns = run.subRuns.sorted { rank($0.shots) != rank($1.shots) ? rank($0.shots) < rank($1.shots) : $0.seed < $1.seed }
    let headers: [String] = ["shots", "seed", "folder", "train images", "steps", "final loss", "val acc1", "test acc1", "test macro F1"]
    report.table(headers: headers + chosenKeys + ["seconds"], rows: subRuns.map { subRunRow($0, chosenKeys: chosenKeys) })
  }

  static func subRunRow(_ s: FewShotSubRunResult, chosenKeys: [String]) -> [String] {
    let loss: String = s.finalLoss.map { String(format: "%.4f", $0) } ?? "–"
    let val: String = s.val.map { String(format: "%.2f", $0.acc1) } ?? "–"
    var row: [String] = [s.shots.description, String(s.seed), s.folder, String(s.trainImages), String(s.steps), loss, val,
                         String(format: "%.2f", s.test.acc1), String(format: "%.2f", s.test.macroF1)]
    for key in chosenKeys { row.append(s.chosen[key].map { String(format: "%.4g", $0) } ?? "–") }
    row.append(String(format: "%.1f", s.seconds))
    return row
  }
}
