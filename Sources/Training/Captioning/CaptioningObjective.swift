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

  func accumulateGradients(_ micro: [TrainingBatch], options: TrainingOptions, dropoutRNG: DropoutRNG?) throws -> Float {
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

  func evaluate(_ dataset: RetrievalDataset, split: String, step: Int, options: TrainingOptions) throws -> OrderedJSON {
    let loss = try pipeline.teacherForcedLoss(images: dataset.items.map(\.image), captions: dataset.items.map(\.captions),
                                              batchSize: options.batchSize, maxTokens: maxTokens)
    let record = CaptionEvaluationRecord(step: step, split: split, loss: loss.mean, tokens: loss.tokens,
                                         images: dataset.items.count, metrics: nil)
    records.append(record)
    return record.orderedJSON
  }

  var lastEvaluationLine: String? {
    records.last.map { e in
      String(format: "%@ at step %d: loss %.4f over %d caption tokens", e.split, e.step, e.loss, e.tokens)
        + (e.metrics.map { String(format: ", BLEU-4 %.4f, CIDEr %.4f", $0.bleu[3], $0.cider) } ?? "")
    }
  }

  func addReportSections(to report: inout HTMLReport, curves: RunCurves, validation: RetrievalDataset?, runFolder: URL) throws {
    guard let last = records.last else { return }
    report.heading("Validation at step \(last.step)")
    var rows = [["loss (token-weighted cross-entropy)", String(format: "%.4f", last.loss)], ["caption tokens", "\(last.tokens)"],
                ["images", "\(last.images)"]]
    if let m = last.metrics {
      rows += (0..<4).map { ["BLEU-\($0 + 1)", String(format: "%.4f", m.bleu[$0])] } + [["CIDEr", String(format: "%.4f", m.cider)]]
    }
    report.table(headers: ["metric", "value"], rows: rows)
  }
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
