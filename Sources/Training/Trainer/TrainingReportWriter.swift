import Datasets
import Evaluation
import Foundation
import Tensors

extension Trainer {
  /// Writes `report.html`: the run's settings, training loss and learning rate per step, then the
  /// task's own sections (`TrainingObjective.addReportSections`: retrieval recalls, heat map and
  /// examples; or caption metrics and before/after captions).
  func writeReport() throws -> URL {
    let curves = try RunCurves(metricsFile: metrics.url)
    let task = options.task == .captioning ? "captioning" : "retrieval"
    var report = HTMLReport(title: "ClipTune \(task) run — \(options.method == .lora ? "LoRA" : "full fine-tuning") on \(URL(fileURLWithPath: options.data).lastPathComponent)")
    report.table(headers: ["setting", "value"], rows: [
      ["model", options.model], ["data", options.data], ["task", task], ["method", options.method.rawValue],
      ["trainable", trainableSummary], ["optimizer", "\(options.optimizer.rawValue), lr \(options.learningRate), \(options.schedule.rawValue) schedule"],
      ["batch", "\(options.batchSize) × \(options.accumulate) (\(options.accumulationMode.rawValue))"],
      ["steps", "\(step) of \(totalSteps)"], ["final training loss", lastLoss.map { String(format: "%.4f", $0) } ?? "–"],
    ])
    report.heading("Curves")
    report.figures([
      curves.lossChart(yLabel: setup.objective.lossName),
      SVGLineChart(title: "Learning rate", xLabel: "step", yLabel: "lr", series: [
        .init(label: "lr", color: "#2ca02c", points: curves.learningRate),
      ]).render(),
    ])
    try setup.objective.addReportSections(to: &report, curves: curves, validation: setup.validation, runFolder: runFolder)
    let url = runFolder.appendingPathComponent("report.html")
    do { try report.write(to: url) } catch {
      throw TrainingError(file: url.path, "cannot write the report: \(error.localizedDescription)")
    }
    return url
  }
}
