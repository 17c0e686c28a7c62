import CLIP
import Datasets
import Foundation
import PEFT
import Training

/// What the demo reports while it runs.
public enum DemoEvent {
  /// A new stage starts ("synthesise", "pretrain", "evaluate before", …), with a one-line description.
  case stage(name: String, detail: String)
  /// A training run (`stage` is "pretrain" or "adapt") is about to start `totalSteps` steps.
  case trainingStarted(stage: String, totalSteps: Int, trainable: String)
  /// One optimiser step of a training run.
  case trainingStep(stage: String, TrainingProgress)
}

/// What a finished demo measured and wrote.
public struct DemoSummary {
  public var before: DomainEvaluation
  public var after: DomainEvaluation
  /// R@1 of a model that ranks at random, in percent (100 / test images).
  public var chanceR1: Double
  public var testImages: Int
  public var pretrain: TrainingSummary?
  public var adapt: TrainingSummary
  public var results: URL
  public var report: URL
  public var seconds: Double
}

/// `cliptune demo`: the main job end to end — evaluate → fine-tune → evaluate → report — on data it
/// synthesises (after pretraining a small CLIP from scratch on the `base` domain, it adapts to
/// `shifted`) or on the user's own checkpoint and data.
///
/// The output folder gets `demo.json` (the resolved options), `data/` (synthetic flow),
/// `scratch/` (the untrained model), `pretrain/` and `adapt/` (training run folders, each with its
/// own report), `results.json` (before/after numbers) and `report.html`.
public final class Demo {
  public let options: DemoOptions
  let folder: URL

  public init(options: DemoOptions) throws {
    try options.validate()
    if let model = options.model {
      let config = URL(fileURLWithPath: model).appendingPathComponent("config.json")
      guard FileManager.default.fileExists(atPath: config.path) else {
        throw DemoError(file: model, "no config.json here; --model takes a Hugging Face CLIP folder")
      }
    }
    self.options = options
    folder = URL(fileURLWithPath: options.output)
  }

  public func run(events: (DemoEvent) -> Void = { _ in }) throws -> DemoSummary {
    let started = Date()
    try DemoFolder.prepare(folder, options: options)
    let target: DemoTarget
    var pretrain: TrainingSummary?
    if options.isSynthetic {
      events(.stage(name: "synthesise", detail: "\(options.baseImages) base and \(options.shiftedImages) shifted images at \(options.imageSize) px"))
      let data = try SyntheticDemoData.write(options, into: folder.appendingPathComponent("data"))
      let scratch = folder.appendingPathComponent("scratch")
      try ScratchModel.write(to: scratch, shape: options.scratch, imageSize: options.imageSize,
                             captions: data.allCaptions, seed: options.seed)
      events(.stage(name: "pretrain", detail: "a CLIP from scratch (\(options.scratch.layers) layers, width \(options.scratch.hiddenSize)) on base, \(options.pretrainSteps) steps of full training"))
      let summary = try train(pretrainOptions(model: scratch, data: data.base), stage: "pretrain", events: events)
      pretrain = summary
      target = DemoTarget(model: summary.output, data: data.shifted, imageRoot: nil, testSplit: "test",
                          zeroShot: data.shiftedZeroShot)
    } else {
      target = DemoTarget(model: URL(fileURLWithPath: options.model!), data: URL(fileURLWithPath: options.data!),
                          imageRoot: options.imageRoot.map { URL(fileURLWithPath: $0) }, testSplit: options.testSplit,
                          zeroShot: nil)
    }

    let test = try RetrievalDataset.load(target.data, imageRoot: target.imageRoot, split: target.testSplit)
    let labels = try target.zeroShot?(test)
    events(.stage(name: "evaluate before", detail: "\(test.items.count) \(target.testSplit) images, \(test.texts.count) captions"))
    let before = try evaluate(CLIPPipeline.load(modelDirectory: target.model), test, labels)

    events(.stage(name: "adapt", detail: "LoRA r=\(options.loraRank) on the train split, \(options.adaptEpochs) epochs"))
    let trainImages = try RetrievalDataset.load(target.data, imageRoot: target.imageRoot, split: "train").items.count
    let adapt = try train(adaptOptions(model: target.model, data: target.data, imageRoot: target.imageRoot, trainImages: trainImages),
                          stage: "adapt", events: events)

    events(.stage(name: "evaluate after", detail: "the same \(test.items.count) images with the adapter"))
    let adapted = try CLIPPipeline.load(modelDirectory: target.model)
    try LoRA.load(adapterDirectory: adapt.output, onto: adapted.model)
    let after = try evaluate(adapted, test, labels)

    var summary = DemoSummary(before: before, after: after, chanceR1: 100 / Double(max(test.items.count, 1)),
                              testImages: test.items.count, pretrain: pretrain, adapt: adapt,
                              results: folder.appendingPathComponent("results.json"),
                              report: folder.appendingPathComponent("report.html"), seconds: 0)
    summary.seconds = Date().timeIntervalSince(started)
    try DemoResults.write(summary, options: options, classNames: labels?.classNames, to: summary.results)
    try DemoReport.write(summary, options: options, classNames: labels?.classNames, folder: folder)
    return summary
  }

  private func evaluate(_ pipeline: CLIPPipeline, _ test: RetrievalDataset, _ labels: ZeroShotLabels?) throws -> DomainEvaluation {
    try DomainEvaluation.run(pipeline: pipeline, dataset: test, zeroShot: labels, batchSize: options.adaptBatchSize,
                             exampleCount: options.exampleCount)
  }

  private func train(_ training: TrainingOptions, stage: String, events: (DemoEvent) -> Void) throws -> TrainingSummary {
    try Self.train(training, stage: stage, events: events)
  }

  /// Runs one training stage of a demo, reporting its start and every step as events.
  static func train(_ training: TrainingOptions, stage: String, events: (DemoEvent) -> Void) throws -> TrainingSummary {
    let trainer = try Trainer(options: training)
    events(.trainingStarted(stage: stage, totalSteps: trainer.totalSteps, trainable: trainer.trainableSummary))
    return try withoutActuallyEscaping(events) { events in try trainer.run { events(.trainingStep(stage: stage, $0)) } }
  }

  /// Full training from scratch: AdamW with 10% warmup and cosine decay, weight decay 0.1, gradient
  /// norm clipped to 1, a fresh
  /// caption of the five per epoch. No crop-flip: a flip would contradict the captions' "left"/"right".
  func pretrainOptions(model: URL, data: URL) -> TrainingOptions {
    var o = TrainingOptions(model: model.path, data: data.path, output: folder.appendingPathComponent("pretrain").path)
    o.method = .full
    o.learningRate = options.pretrainLearningRate
    o.weightDecay = 0.1
    o.gradientClip = 1
    o.warmupSteps = max(1, options.pretrainSteps / 10)
    o.batchSize = options.pretrainBatchSize
    o.maxSteps = options.pretrainSteps
    o.epochs = 1_000_000
    o.evalEvery = max(1, options.pretrainSteps / 6)
    o.saveEvery = options.pretrainSteps
    o.seed = options.seed
    return o
  }

  /// LoRA on every attention and MLP projection of both towers (the PEFT recipe of the README),
  /// validating about eight times over the run.
  func adaptOptions(model: URL, data: URL, imageRoot: URL?, trainImages: Int) -> TrainingOptions {
    var o = TrainingOptions(model: model.path, data: data.path, output: folder.appendingPathComponent("adapt").path)
    o.imageRoot = imageRoot?.path
    o.method = .lora
    o.loraRank = options.loraRank
    o.loraAlpha = options.loraAlpha
    o.learningRate = options.adaptLearningRate
    o.batchSize = options.adaptBatchSize
    o.epochs = options.adaptEpochs
    o.warmupSteps = 5
    o.evalEvery = max(1, trainImages / options.adaptBatchSize * options.adaptEpochs / 8)
    o.saveEvery = 1_000_000
    o.seed = options.seed
    return o
  }
}

/// The model and data the evaluate → adapt → evaluate half of the demo works on.
struct DemoTarget {
  var model: URL
  var data: URL
  var imageRoot: URL?
  var testSplit: String
  /// Builds zero-shot labels for the test split, when the data has classes.
  var zeroShot: ((RetrievalDataset) throws -> ZeroShotLabels)?
}
