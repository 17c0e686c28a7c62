import Captioning
import Datasets
import Evaluation
import Foundation
import Layers
import PEFT
import Preprocessing
import Tensors

/// Teacher-forced fine-tuning of a ViT + GPT-2 captioner, as `VisionEncoderDecoderModel` trains:
/// each caption of an image is a target (`--captions random|first|all`), labels = its tokens +
/// EOS with −100 padding, decoder inputs shifted right behind the start token, and the loss the
/// token-weighted mean cross-entropy (over the whole accumulated step with `exact`, per
/// micro-batch then averaged with `mean`). Validation: the same loss over every caption of the
/// split, and caption metrics of generated captions.
final class CaptioningObjective: TrainingObjective {
  let pipeline: CaptionPipeline
  let ids: (start: Int, pad: Int, eos: Int)
  /// Caption tokens kept before EOS (so labels fit the decoder's positions).
  let maxTokens: Int
  /// Every evaluation so far, oldest first.
  private(set) var records: [CaptionEvaluationRecord] = []

  init(_ options: TrainingOptions) throws {
    pipeline = try CaptionPipeline.load(modelDirectory: URL(fileURLWithPath: options.model))
    let config = pipeline.model.config
    ids = try config.teacherForcingIds(file: URL(fileURLWithPath: options.model).appendingPathComponent("config.json").path)
    let positions = config.decoder.nPositions
    maxTokens = options.captionMaxTokens ?? (positions - 1)
    guard maxTokens < positions else {
      throw TrainingError("--max-caption-tokens \(maxTokens) plus EOS exceeds the decoder's n_positions \(positions)")
    }
  }

  var model: LoRAHost { pipeline.model }
  var tokenizer: any CaptionTokenizing { pipeline.tokenizer }
  var tokenLimit: Int { maxTokens }
  var preprocessor: ImagePreprocessor { pipeline.preprocessor }
  var lossName: String { "cross-entropy" }
  var extraCheckpointParameters: [Parameter] { [] }
  var stepMetrics: [(String, OrderedJSON)] { [] }
  func afterOptimizerStep() {}

  func prepareFullFineTuning(_ options: TrainingOptions) throws { options.applyFreeze(to: pipeline.model) }

  /// GPT-2's `resid_pdrop`, `embd_pdrop` and `attn_pdrop` and the ViT's `hidden_dropout_prob` and
  /// `attention_probs_dropout_prob` from config.json, as transformers applies them when training
  /// (GPT-2's 0.1 each, the ViT's 0 in nlpconnect's config). Both draw from `rng`, the encoder's
  /// masks first in each forward.
  func attachDropout(_ rng: DropoutRNG) {
    let d = pipeline.model.config.decoder.dropouts, v = pipeline.model.config.encoder.dropouts
    pipeline.model.encoder.setDropout(hidden: Float(v.hidden), attention: Float(v.attention), rng: rng)
    pipeline.model.decoder.setDropout(residual: Float(d.resid), embedding: Float(d.embd), attention: Float(d.attn), rng: rng)
  }

  func accumulateGradients(_ micro: [TrainingBatch], options: TrainingOptions, dropoutRNG: DropoutRNG) throws -> Float {
    let targets = try micro.map { batch -> TeacherForcing in
      do {
        return try TeacherForcing(captions: batch.tokenIDs, start: ids.start, pad: ids.pad, eos: ids.eos, maxTokens: maxTokens)
      } catch is CaptioningError {
        let row = batch.tokenIDs.firstIndex(where: \.isEmpty) ?? 0
        throw TrainingError(file: options.data, "caption \(batch.captionIndices[row]) of image \(batch.itemIndices[row]) in the \(options.trainSplit) split tokenizes to nothing; an empty caption cannot be a training target")
      }
    }
    let model = pipeline.model
    if options.accumulationMode == .exact || micro.count == 1 {
      let total = targets.reduce(0) { $0 + $1.tokenCount }
      var sum = 0.0
      for (batch, t) in zip(micro, targets) {
        sum += try model.teacherForcedLoss(batch.pixelValues, t, gradientScale: 1 / Float(total)).sum
      }
      return Float(sum / Double(total))
    }
    var mean = 0.0
    for (batch, t) in zip(micro, targets) {
      let r = try model.teacherForcedLoss(batch.pixelValues, t, gradientScale: 1 / (Float(t.tokenCount) * Float(micro.count)))
      mean += r.sum / Double(r.count) / Double(micro.count)
    }
    return Float(mean)
  }

  var evaluatesBeforeTraining: Bool { true }

  /// The generation settings validation captions use: the model's generation config with
  /// `--eval-num-beams` (default 1, greedy) and `--eval-max-length` (default 16).
  func validationGeneration(_ options: TrainingOptions) throws -> GenerationConfig {
    var config = try pipeline.generationConfig()
    config.numBeams = options.evalNumBeams ?? 1
    config.maxLength = min(options.evalMaxLength ?? 16, pipeline.model.config.decoder.nPositions)
    config.maxNewTokens = nil
    try config.validate(vocabulary: pipeline.model.config.decoder.vocabSize, positions: pipeline.model.config.decoder.nPositions)
    return config
  }

  /// The teacher-forced loss over every caption of the split, then captions generated for every
  /// image, scored by BLEU-1…4 and CIDEr-D against the split's captions and kept in
  /// `captions/step-N.jsonl` of the run folder (the report's before/after table reads them).
  func evaluate(_ dataset: RetrievalDataset, split: String, step: Int, options: TrainingOptions, runFolder: URL) throws -> OrderedJSON {
    let images = dataset.items.map(\.image)
    let e = try CaptionSplitEvaluation(pipeline: pipeline, images: images, references: dataset.items.map(\.captions),
                                       generation: try validationGeneration(options), batchSize: options.batchSize, maxTokens: maxTokens)
    try Self.writeCaptions(CaptionSplitEvaluation.jsonLines(images: images, captions: e.captions), step: step, runFolder: runFolder)
    let record = CaptionEvaluationRecord(step: step, split: split, loss: e.loss, tokens: e.tokens,
                                         images: dataset.items.count, metrics: e.scores)
    records.append(record)
    return record.orderedJSON
  }

  /// `captions/step-N.jsonl` of `runFolder`: one `{"image", "caption", "token_ids"}` line per image.
  static func captionsFile(step: Int, runFolder: URL) -> URL {
    runFolder.appendingPathComponent("captions").appendingPathComponent(String(format: "step-%08d.jsonl", step))
  }

  static func writeCaptions(_ text: String, step: Int, runFolder: URL) throws {
    let url = captionsFile(step: step, runFolder: runFolder)
    do {
      try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
      throw TrainingError(file: url.path, "cannot write the validation captions: \(error.localizedDescription)")
    }
  }

  /// The captions of the earliest and the latest evaluation saved in `runFolder` (by step), by image path.
  static func savedCaptions(runFolder: URL) -> (first: (step: Int, captions: [String: String]), last: (step: Int, captions: [String: String]))? {
    let folder = runFolder.appendingPathComponent("captions")
    let steps = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).compactMap { name -> Int? in
      guard name.hasPrefix("step-"), name.hasSuffix(".jsonl") else { return nil }
      return Int(name.dropFirst(5).dropLast(6))
    }.sorted()
    guard let first = steps.first, let last = steps.last else { return nil }
    func read(_ step: Int) -> [String: String] {
      guard let text = try? String(contentsOf: captionsFile(step: step, runFolder: runFolder), encoding: .utf8) else { return [:] }
      var out: [String: String] = [:]
      for line in text.split(separator: "\n") {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              let image = o["image"] as? String, let caption = o["caption"] as? String else { continue }
        out[image] = caption
      }
      return out
    }
    return ((first, read(first)), (last, read(last)))
  }

  var lastEvaluationLine: String? {
    records.last.map { e in
      String(format: "%@ at step %d: loss %.4f over %d caption tokens", e.split, e.step, e.loss, e.tokens)
        + (e.metrics.map { String(format: ", BLEU-4 %.4f, CIDEr %.4f", $0.bleu[3], $0.cider) } ?? "")
    }
  }

  /// Validation loss, BLEU-4 and CIDEr per evaluation; the last evaluation's numbers; and a table
  /// of validation images with their ground truth, the captions of the earliest evaluation (the
  /// base model, at step 0) and of the latest.
  func addReportSections(to report: inout HTMLReport, curves: RunCurves, validation: RetrievalDataset?, runFolder: URL) throws {
    let bleu4 = curves.validationMetrics["BLEU-4"] ?? [], cider = curves.validationMetrics["CIDEr"] ?? []
    if !cider.isEmpty {
      report.figures([SVGLineChart(title: "Validation caption metrics", xLabel: "step", yLabel: "score", series: [
        .init(label: "CIDEr", color: "#9467bd", points: cider), .init(label: "BLEU-4", color: "#ff7f0e", points: bleu4),
      ]).render()])
    }
    if let last = records.last {
      report.heading("Validation at step \(last.step)")
      var rows = [["loss (token-weighted cross-entropy)", String(format: "%.4f", last.loss)], ["caption tokens", "\(last.tokens)"],
                  ["images", "\(last.images)"]]
      if let m = last.metrics {
        rows += (0..<4).map { ["BLEU-\($0 + 1)", String(format: "%.4f", m.bleu[$0])] } + [["CIDEr", String(format: "%.4f", m.cider)]]
      }
      report.table(headers: ["metric", "value"], rows: rows)
    }
    guard let validation, let saved = Self.savedCaptions(runFolder: runFolder), saved.first.step != saved.last.step else { return }
    report.heading("Captions of validation images: step \(saved.first.step) and step \(saved.last.step)")
    let examples = validation.items.prefix(Self.exampleCount).map { item in
      HTMLReport.CaptionExample(image: item.image, label: item.image.lastPathComponent, references: item.captions,
                                captions: [saved.first.captions[item.image.path] ?? "–", saved.last.captions[item.image.path] ?? "–"])
    }
    let before = saved.first.step == 0 ? "before (step 0)" : "step \(saved.first.step)"
    report.captionExamples(Array(examples), columnTitles: [before, "after (step \(saved.last.step))"], reportFolder: runFolder)
  }

  /// Validation images shown with their captions in the report.
  static let exampleCount = 8
}

/// One captioning evaluation on a held-out split, as logged in `metrics.jsonl`.
public struct CaptionEvaluationRecord: Sendable {
  public var step: Int
  public var split: String
  /// Token-weighted mean teacher-forced cross-entropy over every caption of the split.
  public var loss: Double
  /// Labels counted in `loss` (caption tokens + one EOS per caption).
  public var tokens: Int
  public var images: Int
  /// BLEU-1…4 and CIDEr-D of generated captions against the split's references, when computed.
  public var metrics: CaptionScores?

  public var orderedJSON: OrderedJSON {
    var fields: [(String, OrderedJSON)] = [("step", .integer(step)), ("split", .string(split)), ("loss", .number(loss)),
                                            ("tokens", .integer(tokens)), ("images", .integer(images))]
    if let m = metrics {
      fields += (0..<4).map { ("BLEU-\($0 + 1)", .number(m.bleu[$0])) } + [("CIDEr", .number(m.cider))]
    }
    return .object(fields)
  }
}
