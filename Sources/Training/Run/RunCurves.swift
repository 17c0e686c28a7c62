import Foundation
import Evaluation

/// The curves of a run, read back from its `metrics.jsonl`: per-step training loss and learning
/// rate, per-evaluation validation loss, mean cosine and R@1 both ways. Points are (step, value).
public struct RunCurves {
  public typealias Points = [(x: Double, y: Double)]
  public var trainLoss: Points = []
  public var learningRate: Points = []
  public var validationLoss: Points = []
  public var meanCosine: Points = []
  public var imageToTextR1: Points = []
  public var textToImageR1: Points = []
  /// Every numeric top-level field of the evaluation lines (`BLEU-4`, `CIDEr`, `loss`, …) by name.
  public var validationMetrics: [String: Points] = [:]

  /// Reads `metricsFile` (a `MetricsLog`); throws `TrainingError` naming it if unreadable.
  public init(metricsFile: URL) throws {
    for row in try MetricsLog.read(metricsFile) {
      guard let step = row["step"] as? Int else { continue }
      let x = Double(step)
      func value(_ key: String) -> Double? { (row[key] as? NSNumber)?.doubleValue }
      func r1(_ direction: String) -> Double? { ((row[direction] as? [String: Any])?["R@1"] as? NSNumber)?.doubleValue }
      if row["split"] == nil {
        if let v = value("loss") { trainLoss.append((x, v)) }
        if let v = value("lr") { learningRate.append((x, v)) }
      } else {
        if let v = value("loss") { validationLoss.append((x, v)) }
        if let v = value("mean_cosine") { meanCosine.append((x, v)) }
        if let v = r1("image_to_text") { imageToTextR1.append((x, v)) }
        if let v = r1("text_to_image") { textToImageR1.append((x, v)) }
        for (key, raw) in row where key != "step" {
          if let n = raw as? NSNumber, !n.isBoolean { validationMetrics[key, default: []].append((x, n.doubleValue)) }
        }
      }
    }
  }
}

extension RunCurves {
  /// Training and validation loss against the step, as an inline SVG.
  public func lossChart(title: String = "Loss", yLabel: String = "contrastive loss") -> String {
    SVGLineChart(title: title, xLabel: "step", yLabel: yLabel, series: [
      .init(label: "train", color: "#1f77b4", points: trainLoss),
      .init(label: "validation", color: "#d62728", points: validationLoss),
    ]).render()
  }

  /// Validation R@1 in both directions against the step, as an inline SVG.
  public func recallChart(title: String = "Validation R@1") -> String {
    SVGLineChart(title: title, xLabel: "step", yLabel: "%", series: [
      .init(label: "image→text", color: "#9467bd", points: imageToTextR1),
      .init(label: "text→image", color: "#ff7f0e", points: textToImageR1),
    ]).render()
  }
}
