import Datasets
import Foundation
import Layers
import PEFT
import Preprocessing

/// Everything a run needs, built from `TrainingOptions`: the task's objective (its model with the
/// method applied: LoRA wrappers or unfrozen weights), the trainable parameters, the optimiser,
/// the schedule and the data streams.
final class TrainingSetup {
  let options: TrainingOptions
  let objective: TrainingObjective
  let adapter: LoRAAdapter?
  /// The run's dropout stream: LoRA's and the model's own (the captioner's GPT-2 and ViT) draw from it; checkpoints save it.
  let dropoutRNG: DropoutRNG
  let trainable: [Parameter]
  let optimizer: Optimizer
  let schedule: LRSchedule
  let batches: TrainingBatches
  let validation: RetrievalDataset?
  /// Optimiser steps per epoch (micro-batches per epoch ÷ accumulation).
  let stepsPerEpoch: Int
  let totalSteps: Int

  init(_ options: TrainingOptions) throws {
    try options.validate()
    self.options = options
    switch options.task {
    case .retrieval: objective = try ContrastiveObjective(options)
    case .captioning: objective = try CaptioningObjective(options)
    }
    let model = objective.model
    try options.checkLoRA(against: model)
    switch options.method {
    case .lora:
      if let initial = options.initialAdapter {
        adapter = try LoRA.load(adapterDirectory: URL(fileURLWithPath: initial), onto: model, trainable: true,
                                dropoutRNG: DropoutRNG(seed: options.seed ^ 0xD1B5_4A32_D192_ED03))
      } else {
        adapter = try LoRA.apply(options.loraConfig, to: model, seed: options.seed)
      }
      adapter!.baseModelNameOrPath = options.model
      trainable = adapter!.parameters
    case .full:
      adapter = nil
      try objective.prepareFullFineTuning(options)
      trainable = model.parameters.filter(\.trainable)
    }
    guard !trainable.isEmpty else { throw TrainingError("nothing to train: every parameter is frozen") }
    dropoutRNG = adapter?.dropoutRNG ?? DropoutRNG(seed: options.seed ^ 0xD1B5_4A32_D192_ED03)
    objective.attachDropout(dropoutRNG)

    let dataURL = URL(fileURLWithPath: options.data)
    let imageRoot = options.imageRoot.map { URL(fileURLWithPath: $0) }
    let train = try RetrievalDataset.load(dataURL, imageRoot: imageRoot, split: options.trainSplit)
    validation = try options.valSplit.map { try RetrievalDataset.load(dataURL, imageRoot: imageRoot, split: $0) }
    try validation?.checkHasCaptions(file: dataURL, split: options.valSplit)
    let batchOptions = TrainingBatchOptions(
      batchSize: options.batchSize, seed: options.seed, shuffle: options.shuffle,
      captions: Self.captionSampling(options.captions), dropLast: true,
      transform: options.augment == .none ? .none : .cropFlip(scale: options.cropScale[0]...options.cropScale[1]),
      contextLength: objective.tokenLimit, batchesPerEpochMultiple: options.accumulate)
    let pairsPerStep = options.batchSize * options.accumulate
    do {
      batches = try TrainingBatches(dataset: train, tokenizer: objective.tokenizer, preprocessor: objective.preprocessor,
                                    options: batchOptions)
    } catch let error as TrainingBatchError where error.message.hasPrefix("no training batches") {
      throw TrainingError(file: options.data, "one optimiser step needs \(pairsPerStep) training pairs; the \(options.trainSplit) split gives fewer (\(error.message))")
    }
    // Whole accumulation groups per epoch (the stream drops the rest of each epoch).
    stepsPerEpoch = batches.stepsPerEpoch / options.accumulate
    if let maxSteps = options.maxSteps {
      totalSteps = maxSteps
    } else {
      let (product, overflow) = options.epochs.multipliedReportingOverflow(by: stepsPerEpoch)
      guard !overflow, product <= TrainingOptions.Limits.steps else {
        throw TrainingError("--epochs \(options.epochs) × \(stepsPerEpoch) steps per epoch is over the limit of \(TrainingOptions.Limits.steps) optimiser steps; lower --epochs or set --max-steps")
      }
      totalSteps = product
    }

    let lr = Float(options.learningRate)
    let decays = options.decayAll == true ? WeightDecay.all : WeightDecay.openCLIP
    switch options.optimizer {
    case .adamw:
      optimizer = AdamW(lr: lr, betas: (options.betas[0], options.betas[1]), eps: options.eps, weightDecay: options.weightDecay, decays: decays)
    case .adam:
      optimizer = Adam(lr: lr, betas: (options.betas[0], options.betas[1]), eps: options.eps, weightDecay: options.weightDecay, decays: decays)
    case .sgd:
      optimizer = SGD(lr: lr, momentum: options.momentum, weightDecay: options.weightDecay, decays: decays)
    }
    let decay: LRSchedule.Decay
    switch options.schedule {
    case .constant: decay = .constant
    case .cosine: decay = .cosine(totalSteps: max(totalSteps, options.warmupSteps))
    case .step: decay = .stepDecay(gamma: options.gamma, everyEpochs: options.stepSizeEpochs, stepsPerEpoch: stepsPerEpoch)
    }
    schedule = LRSchedule(baseLR: lr, warmupSteps: options.warmupSteps, decay: decay)
  }

  static func captionSampling(_ mode: TrainingOptions.CaptionMode) -> CaptionSampling {
    switch mode {
    case .random: return .random
    case .first: return .first
    case .all: return .all
    }
  }

  /// The trainable-parameter summary in PEFT's words.
  var summary: TrainableSummary { TrainableSummary(objective.model.parameters) }
}
