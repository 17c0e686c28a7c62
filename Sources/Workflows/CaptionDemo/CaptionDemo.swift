import Captioning
import Datasets
import Evaluation
import Foundation
import PEFT
import Training

/// `cliptune demo caption`: the captioning job end to end on data it synthesises — pretrain a
/// small ViT-GPT-2 captioner from scratch on the `base` domain, caption the `shifted` test split
/// (before), LoRA-adapt its decoder on `shifted` train, caption the test split again (after) — and
/// write the before/after report.
///
/// The output folder gets `demo.json` (the resolved options), `data/` (base and shifted),
/// `scratch/` (the untrained captioner), `pretrain/` and `adapt/` (training run folders, each with
/// its own report), `results.json` (before/after numbers and captions) and `report.html`.
public final class CaptionDemo {
  public let options: CaptionDemoOptions
  let folder: URL

  /// One evaluation of a captioner on the test split.
  public struct Evaluation: Sendable {
    public var scores: CaptionScores
    /// Token-weighted mean teacher-forced cross-entropy over every test caption.
    public var loss: Double
    /// The generated caption of every test image, in split order.
    public var captions: [String]
  }

  /// What the demo measured and wrote.
  public struct Summary: Sendable {
    public var before: Evaluation
    public var after: Evaluation
    public var testImages: [URL]
    public var references: [[String]]
    public var pretrainSteps: Int
    public var adaptSteps: Int
    public var trainable: String
    public var results: URL
    public var report: URL
    public var seconds: Double
  }

  public init(options: CaptionDemoOptions) throws {
    try options.validate()
    self.options = options
    folder = URL(fileURLWithPath: options.output)
  }

  public func run(events: (DemoEvent) -> Void = { _ in }) throws -> Summary {
    let started = Date()
    try DemoFolder.prepare(folder, options: options)
    events(.stage(name: "synthesise", detail: "\(options.baseImages) base and \(options.shiftedImages) shifted images at \(options.imageSize) px"))
    let data = folder.appendingPathComponent("data")
    let base = SyntheticDatasetOptions(imageCount: options.baseImages, seed: options.seed, domain: .base, imageSize: options.imageSize)
    let shifted = SyntheticDatasetOptions(imageCount: options.shiftedImages, seed: options.seed &+ 1, domain: .shifted,
                                          imageSize: options.imageSize)
    try SyntheticDataset.write(to: data.appendingPathComponent("base"), options: base)
    try SyntheticDataset.write(to: data.appendingPathComponent("shifted"), options: shifted)
    let captions = (0..<base.imageCount).flatMap { SyntheticDataset.sample(index: $0, options: base).captions }
      + (0..<shifted.imageCount).flatMap { SyntheticDataset.sample(index: $0, options: shifted).captions }
    let scratch = folder.appendingPathComponent("scratch")
    try ScratchCaptioner.write(to: scratch, shape: options.scratch, imageSize: options.imageSize, captions: captions,
                               generation: .init(maxLength: options.maxLength, numBeams: options.numBeams), seed: options.seed)

    events(.stage(name: "pretrain", detail: "a ViT-GPT-2 captioner from scratch (\(options.scratch.layers)+\(options.scratch.layers) layers, width \(options.scratch.hiddenSize)) on base, \(options.pretrainSteps) steps of full training"))
    let pretrain = try Demo.train(pretrainOptions(model: scratch, data: data.appendingPathComponent("base/dataset.json")),
                             stage: "pretrain", events: events)

    let shiftedData = data.appendingPathComponent("shifted/dataset.json")
    let test = try RetrievalDataset.load(shiftedData, imageRoot: nil, split: "test")
    events(.stage(name: "caption before", detail: "\(test.items.count) shifted test images, \(options.numBeams) beams"))
    let before = try evaluate(try CaptionPipeline.load(modelDirectory: pretrain.output), test)

    events(.stage(name: "adapt", detail: "LoRA r=\(options.loraRank) on \(options.loraTargets.joined(separator: ", ")) on shifted train (every caption), \(options.adaptEpochs) epochs"))
    var trainable = ""
    let adapt = try Demo.train(adaptOptions(model: pretrain.output, data: shiftedData), stage: "adapt") { event in
      if case .trainingStarted(_, _, let line) = event { trainable = line }
      events(event)
    }

    events(.stage(name: "caption after", detail: "the same \(test.items.count) images with the adapter"))
    let adapted = try CaptionPipeline.load(modelDirectory: pretrain.output)
    try LoRA.load(adapterDirectory: adapt.output, onto: adapted.model)
    let after = try evaluate(adapted, test)

    var summary = Summary(before: before, after: after, testImages: test.items.map(\.image), references: test.items.map(\.captions),
                          pretrainSteps: pretrain.steps, adaptSteps: adapt.steps, trainable: trainable,
                          results: folder.appendingPathComponent("results.json"), report: folder.appendingPathComponent("report.html"),
                          seconds: 0)
    summary.seconds = Date().timeIntervalSince(started)
    try CaptionDemoReport.writeResults(summary, options: options)
    try CaptionDemoReport.writeReport(summary, options: options, folder: folder)
    return summary
  }

  /// Captions of every test image (the demo's beams and max length), their scores, and the loss.
  func evaluate(_ pipeline: CaptionPipeline, _ test: RetrievalDataset) throws -> Evaluation {
    var config = try pipeline.generationConfig()
    config.numBeams = options.numBeams
    config.maxLength = options.maxLength
    let e = try CaptionSplitEvaluation(pipeline: pipeline, images: test.items.map(\.image), references: test.items.map(\.captions),
                                       generation: config, batchSize: options.adaptBatchSize,
                                       maxTokens: pipeline.model.config.decoder.nPositions - 1)
    guard let scores = e.scores else { throw DemoError("the shifted test split has no reference captions") }
    return Evaluation(scores: scores, loss: e.loss, captions: e.captions.map(\.text))
  }


  /// Full training from scratch: AdamW with 10% warmup and cosine decay, weight decay 0.1,
  /// gradient norm clipped to 1, a fresh caption of the five per epoch; validation on base's val
  /// split six times (greedy captions).
  func pretrainOptions(model: URL, data: URL) -> TrainingOptions {
    var o = TrainingOptions(model: model.path, data: data.path, output: folder.appendingPathComponent("pretrain").path)
    o.task = .captioning
    o.method = .full
    o.learningRate = options.pretrainLearningRate
    o.weightDecay = 0.1
    o.gradientClip = 1
    o.warmupSteps = max(1, options.pretrainSteps / 10)
    o.batchSize = options.pretrainBatchSize
    o.maxSteps = options.pretrainSteps
    o.epochs = 1_000_000
    o.evalEvery = max(1, options.pretrainSteps / 6)
    o.evalMaxLength = options.maxLength
    o.saveEvery = options.pretrainSteps
    o.seed = options.seed
    return o
  }

  /// LoRA on `loraTargets` (GPT-2's c_attn, c_proj, c_fc as the captioning recipe, and the ViT's
  /// attention and MLP layers), every caption of every image a training pair; validation at the
  /// start and the end.
  func adaptOptions(model: URL, data: URL) -> TrainingOptions {
    var o = TrainingOptions(model: model.path, data: data.path, output: folder.appendingPathComponent("adapt").path)
    o.task = .captioning
    o.method = .lora
    o.loraRank = options.loraRank
    o.loraAlpha = options.loraAlpha
    o.loraTargets = options.loraTargets
    o.learningRate = options.adaptLearningRate
    o.batchSize = options.adaptBatchSize
    o.epochs = options.adaptEpochs
    o.captions = .all
    o.evalMaxLength = options.maxLength
    o.seed = options.seed
    o.saveEvery = 1_000_000
    return o
  }
}
