import CLIP
import Datasets
import Evaluation
import Foundation
import Layers
import PEFT
import Preprocessing
import Tensors

/// CLIP's contrastive fine-tuning for retrieval: the symmetric InfoNCE loss over each batch's
/// image and caption features (exact over accumulated micro-batches, or their mean), a trainable
/// logit scale clamped at ln 100, and validation by retrieval recall, mean cosine and loss.
final class ContrastiveObjective: TrainingObjective {
  let pipeline: CLIPPipeline
  let tokenizer: any CaptionTokenizing
  /// Every evaluation so far (retrieval metrics), oldest first.
  private(set) var records: [EvaluationRecord] = []
  /// Features of the latest evaluation (for the report's heat map and examples).
  private var lastFeatures: Validation.Features?

  init(_ options: TrainingOptions) throws {
    pipeline = try CLIPPipeline.load(modelDirectory: URL(fileURLWithPath: options.model))
    tokenizer = try pipeline.tokenizer()
  }

  var clip: CLIPModel { pipeline.model }
  var model: LoRAHost { pipeline.model }
  var tokenLimit: Int { clip.config.text.maxPositionEmbeddings }
  var preprocessor: ImagePreprocessor { pipeline.preprocessor }
  var lossName: String { "contrastive loss" }

  func prepareFullFineTuning(_ options: TrainingOptions) throws { options.applyFreeze(to: clip) }

  /// CLIP has no dropout of its own (transformers' CLIP attention_dropout is 0).
  func attachDropout(_ rng: DropoutRNG) {}

  var extraCheckpointParameters: [Parameter] { clip.logitScale.trainable ? [clip.logitScale] : [] }

  func afterOptimizerStep() {
    if clip.logitScale.trainable { clampLogitScale(clip.logitScale) }
    clip.logitScale.zeroGradient()
  }

  var stepMetrics: [(String, OrderedJSON)] { [("logit_scale", .number(Double(clip.logitScale.value.data[0])))] }

  /// Each micro-batch's own contrastive loss with gradients averaged (`mean`, or a single
  /// micro-batch); or `exact`: embeddings of every micro-batch first, the loss over all of them,
  /// then each micro-batch recomputed with its slice of the gradient, dropout draws replayed so
  /// the recomputation sees the same masks as the first pass.
  func accumulateGradients(_ micro: [TrainingBatch], options: TrainingOptions, dropoutRNG rng: DropoutRNG) throws -> Float {
    let model = clip
    let scale = model.logitScale
    if micro.count == 1 || options.accumulationMode == .mean {
      var total: Float = 0
      let weight = 1 / Float(micro.count)
      for batch in micro {
        let image = try model.imageFeatures(batch.pixelValues, training: true)
        let text = try model.textFeatures(batch.tokenIDs, training: true)
        let r = ContrastiveLoss.lossAndGradients(imageEmbeds: image, textEmbeds: text, logitScale: scale.value.data[0])
        model.backwardImageFeatures(scaled(r.imageEmbedsGradient, weight))
        model.backwardTextFeatures(scaled(r.textEmbedsGradient, weight))
        if scale.trainable { scale.accumulateGradient { $0[0] += r.logitScaleGradient * weight } }
        total += r.loss * weight
      }
      return total
    }
    var images: [Tensor] = [], texts: [Tensor] = []
    var states: [(image: DropoutRNG.State, text: DropoutRNG.State)] = []
    for batch in micro {
      let imageState = rng.state
      images.append(try model.imageFeatures(batch.pixelValues, training: true))
      let textState = rng.state
      texts.append(try model.textFeatures(batch.tokenIDs, training: true))
      states.append((imageState, textState))
    }
    let finalState = rng.state
    let r = ContrastiveLoss.lossAndGradients(imageEmbeds: Tensor.concatenate(images), textEmbeds: Tensor.concatenate(texts),
                                             logitScale: scale.value.data[0])
    var row = 0
    for (i, batch) in micro.enumerated() {
      let rows = row..<(row + batch.count)
      rng.state = states[i].image
      _ = try model.imageFeatures(batch.pixelValues, training: true)
      model.backwardImageFeatures(r.imageEmbedsGradient.rows(rows))
      rng.state = states[i].text
      _ = try model.textFeatures(batch.tokenIDs, training: true)
      model.backwardTextFeatures(r.textEmbedsGradient.rows(rows))
      row += batch.count
    }
    rng.state = finalState
    if scale.trainable { scale.accumulateGradient { $0[0] += r.logitScaleGradient } }
    return r.loss
  }

  private func scaled(_ t: Tensor, _ s: Float) -> Tensor {
    guard s != 1 else { return t }
    var out = t
    out.scale(by: s)
    return out
  }

  var evaluatesBeforeTraining: Bool { false }

  func evaluate(_ dataset: RetrievalDataset, split: String, step: Int, options: TrainingOptions, runFolder: URL) throws -> OrderedJSON {
    let features = try Validation.Features(pipeline: pipeline, dataset: dataset)
    let record = EvaluationRecord(step: step, split: split,
                                  loss: features.loss(batchSize: options.batchSize * options.accumulate,
                                                      logitScale: clip.logitScale.value.data[0]),
                                  retrieval: features.retrieval)
    lastFeatures = features
    records.append(record)
    return record.orderedJSON
  }

  var lastEvaluationLine: String? {
    records.last.map { e in
      String(format: "%@ at step %d: loss %.4f, R@1 image→text %.1f, text→image %.1f, mean cosine %.4f",
             e.split, e.step, e.loss, e.retrieval.imageToText.r1, e.retrieval.textToImage.r1, e.retrieval.meanCosine)
    }
  }

  /// Validation loss and recalls per evaluation, the cosine-similarity heat map of the first
  /// validation images and captions, and the top captions retrieved for a few validation images.
  func addReportSections(to report: inout HTMLReport, curves: RunCurves, validation: RetrievalDataset?, runFolder: URL) {
    if !curves.validationLoss.isEmpty {
      report.figures([
        curves.recallChart(),
        SVGLineChart(title: "Validation mean cosine (matched pairs)", xLabel: "step", yLabel: "cosine", series: [
          .init(label: "mean cosine", color: "#8c564b", points: curves.meanCosine),
        ]).render(),
      ])
    }
    if let last = records.last {
      report.heading("Validation at step \(last.step)")
      report.table(headers: ["direction", "R@1", "R@5", "R@10"], rows: [
        ["image → text", fmt(last.retrieval.imageToText.r1), fmt(last.retrieval.imageToText.r5), fmt(last.retrieval.imageToText.r10)],
        ["text → image", fmt(last.retrieval.textToImage.r1), fmt(last.retrieval.textToImage.r5), fmt(last.retrieval.textToImage.r10)],
      ])
      report.paragraph(String(format: "Loss %.4f, mean cosine of matched pairs %.4f, %d images, %d captions.",
                              last.loss, last.retrieval.meanCosine, last.retrieval.images, last.retrieval.texts))
    }
    if let features = lastFeatures, let validation {
      addExamples(to: &report, features: features, dataset: validation, runFolder: runFolder)
    }
  }

  private func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

  private func addExamples(to report: inout HTMLReport, features: Validation.Features, dataset: RetrievalDataset, runFolder: URL) {
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
