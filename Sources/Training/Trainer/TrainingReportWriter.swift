import Datasets
import Evaluation
import Foundation
import Tensors

extension Trainer {
  /// Writes `report.html`: training loss and learning rate per step, validation loss and recalls
  /// per evaluation, the cosine-similarity heat map of the first validation images and captions,
  /// and the top captions retrieved for a few validation images.
  func writeReport() throws -> URL {
    let curves = try RunCurves(metricsFile: metrics.url)
    var report = HTMLReport(title: "ClipTune run — \(options.method == .lora ? "LoRA" : "full fine-tuning") on \(URL(fileURLWithPath: options.data).lastPathComponent)")
    report.table(headers: ["setting", "value"], rows: [
      ["model", options.model], ["data", options.data], ["method", options.method.rawValue],
      ["trainable", trainableSummary], ["optimizer", "\(options.optimizer.rawValue), lr \(options.learningRate), \(options.schedule.rawValue) schedule"],
      ["batch", "\(options.batchSize) × \(options.accumulate) (\(options.accumulationMode.rawValue))"],
      ["steps", "\(step) of \(totalSteps)"], ["final training loss", lastLoss.map { String(format: "%.4f", $0) } ?? "–"],
    ])
    report.heading("Curves")
    var figures = [
      curves.lossChart(),
      SVGLineChart(title: "Learning rate", xLabel: "step", yLabel: "lr", series: [
        .init(label: "lr", color: "#2ca02c", points: curves.learningRate),
      ]).render(),
    ]
    if !curves.validationLoss.isEmpty {
      figures.append(curves.recallChart())
      figures.append(SVGLineChart(title: "Validation mean cosine (matched pairs)", xLabel: "step", yLabel: "cosine", series: [
        .init(label: "mean cosine", color: "#8c564b", points: curves.meanCosine),
      ]).render())
    }
    report.figures(figures)
    if let last = evaluations.last {
      report.heading("Validation at step \(last.step)")
      report.table(headers: ["direction", "R@1", "R@5", "R@10"], rows: [
        ["image → text", fmt(last.retrieval.imageToText.r1), fmt(last.retrieval.imageToText.r5), fmt(last.retrieval.imageToText.r10)],
        ["text → image", fmt(last.retrieval.textToImage.r1), fmt(last.retrieval.textToImage.r5), fmt(last.retrieval.textToImage.r10)],
      ])
      report.paragraph(String(format: "Loss %.4f, mean cosine of matched pairs %.4f, %d images, %d captions.",
                              last.loss, last.retrieval.meanCosine, last.retrieval.images, last.retrieval.texts))
    }
    if let features = lastFeatures, let dataset = setup.validation {
      addExamples(to: &report, features: features, dataset: dataset)
    }
    let url = runFolder.appendingPathComponent("report.html")
    do { try report.write(to: url) } catch {
      throw TrainingError(file: url.path, "cannot write the report: \(error.localizedDescription)")
    }
    return url
  }

  private func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

  private func addExamples(to report: inout HTMLReport, features: Validation.Features, dataset: RetrievalDataset) {
    let pairs = Array(features.firstCaptions.prefix(12))
    guard pairs.count >= 2 else { return }
    let images = features.images.l2NormalizedRows(), texts = features.texts.l2NormalizedRows()
    let d = images.shape[1]
    func cosine(_ i: Int, _ t: Int) -> Double {
      var s: Double = 0
      for k in 0..<d { s += Double(images.data[i * d + k]) * Double(texts.data[t * d + k]) }
      return s
    }
    let allTexts = dataset.texts
    report.heading("Similarity of the first validation images (rows) and their first captions (columns)")
    report.figures([SVGHeatMap(title: "cosine similarity", values: pairs.map { p in pairs.map { cosine(p.image, $0.text) } },
                               rowLabels: pairs.map { dataset.items[$0.image].image.lastPathComponent },
                               columnLabels: pairs.map { allTexts[$0.text] }).render()])
    report.heading("Top captions for validation images (green: a caption of that image)")
    let examples = pairs.prefix(6).map { p -> HTMLReport.RetrievalExample in
      let ranked = (0..<allTexts.count).map { ($0, cosine(p.image, $0)) }.sorted { $0.1 > $1.1 }.prefix(3)
      return .init(image: dataset.items[p.image].image, label: dataset.items[p.image].image.lastPathComponent,
                   captions: ranked.map { (allTexts[$0.0], $0.1, features.textToImage[$0.0] == p.image) })
    }
    report.retrievalExamples(Array(examples), reportFolder: runFolder)
  }
}
