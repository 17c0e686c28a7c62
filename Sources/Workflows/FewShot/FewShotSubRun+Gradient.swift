import CLIP
import Datasets
import Evaluation
import Foundation
import Layers
import PEFT
import Preprocessing
import Tensors
import Training

extension FewShotSubRun {
  /// CLIP-Adapter, VPT, CoOp and LoRA (and any of them with a vision head): the method applied to
  /// a fresh copy of the model, trained by `FewShotTrainingLoop`. Methods that leave the vision
  /// tower alone train on the sweep's cached image features unless `--augment` asks for crops.
  func trainByGradient(_ train: [ClassificationSample], metrics: MetricsLog) throws -> Outcome {
    let method = options.method, defaults = FewShotDefaults.Method.self
    let pipeline = try CLIPPipeline.load(modelDirectory: context.modelDirectory)
    let model = pipeline.model
    let initSeed = SeedMixer.mix(runSeed ^ SeedMixer.Purpose.fewShotInit.rawValue)
    let dropoutRNG = DropoutRNG(seed: SeedMixer.mix(runSeed ^ SeedMixer.Purpose.fewShotDropout.rawValue))
    let applied: PEFTMethod
    var learnedPrompts: PromptContext?
    switch method {
    case .clipAdapter:
      applied = try CLIPAdapter.apply(to: model, ratio: options.adapterRatio ?? defaults.adapterRatio, textAdapter: options.textAdapter,
                                      seed: initSeed)
    case .vptShallow, .vptDeep:
      applied = try VisualPrompts.apply(to: model, tokens: options.promptTokens ?? defaults.promptTokens, deep: method == .vptDeep,
                                        dropout: options.promptDropout ?? defaults.promptDropout, seed: initSeed, dropoutRNG: dropoutRNG)
    case .coop:
      let position = PromptContext.ClassTokenPosition(rawValue: options.classTokenPosition ?? defaults.classTokenPosition)!
      let prompts = try PromptContext.apply(to: model, classNames: dataset.classNames, contextLength: options.contextLength ?? defaults.contextLength,
                                            ctxInit: options.ctxInit, position: position, classSpecific: options.classSpecificContext,
                                            seed: initSeed, tokenize: { try pipeline.tokenize([$0])[0] })
      learnedPrompts = prompts
      applied = prompts
    case .lora:
      let config = LoRAConfig(rank: options.loraRank ?? defaults.loraRank, alpha: options.loraAlpha ?? defaults.loraAlpha,
                              dropout: options.loraDropout ?? defaults.loraDropout,
                              targetModules: .names(options.loraTargets ?? defaults.loraTargets), towers: .both,
                              useRSLoRA: defaults.loraRankStabilised)
      let adapter = try LoRA.apply(config, to: model, seed: initSeed, dropoutRNG: dropoutRNG)
      adapter.baseModelNameOrPath = options.model
      applied = adapter
    default:
      preconditionFailure("\(method) is not trained by gradient steps")
    }

    let head: FewShotHead
    var headLinear: Linear?
    let templates = options.templates.count
    if options.resolvedHead == .vision {
      var rng = SeedMixer.rng(initSeed, .fewShotInit, 1)
      headLinear = FewShotClassifier.linearHead(classes: dataset.classNames.count, dim: model.config.projectionDim, rng: &rng)
      head = .vision(headLinear!)
    } else if let learnedPrompts {
      head = .visionLanguage(.learned(learnedPrompts))
    } else if applied.changesTextTower {
      head = .visionLanguage(.prompts(ids: context.prompts, templates: templates))
    } else {
      head = .visionLanguage(.cached(features: try context.frozenTextFeatures(), templates: templates))
    }
    let headTensors: [(key: String, parameter: Parameter)] = headLinear.map { [("head.weight", $0.weight), ("head.bias", $0.bias!)] } ?? []
    let trainable = applied.namedTensors + headTensors
    for file in [options.initWeights, options.evalOnly ? options.weights : nil].compactMap({ $0 }) {
      let url = URL(fileURLWithPath: file)
      try applied.loadTensors(from: url)
      if let headLinear {
        let loaded = try loadHead(from: url)
        headLinear.weight.value = loaded.weight.value
        headLinear.bias!.value = loaded.bias!.value
      }
    }
    let classifier = try FewShotClassifier(model: model, head: head)
    let featuresFrozen = method.keepsImageTower
    let logits: ([ClassificationSample], String) throws -> Tensor = { samples, split in
      if featuresFrozen { return try classifier.logits(.projectedFeatures(context.features(samples, label: split))) }
      var parts: [Tensor] = []
      for start in stride(from: 0, to: samples.count, by: 32) {
        let batch = samples[start..<min(samples.count, start + 32)]
        parts.append(try classifier.logits(.pixels(pipeline.pixelValues(batch.map(\.image)))))
      }
      return Tensor.concatenate(parts)
    }
    var outcome = Outcome(logits: logits)
    outcome.saveExtra = (applied as? LoRAAdapter).map { adapter in { folder in try adapter.save(to: folder.appendingPathComponent("adapter")) } }
    guard !options.evalOnly else {
      outcome.tensors = trainable.map { ($0.key, $0.parameter.value) }
      return outcome
    }

    let optimization = FewShotOptimization(options: options, shots: shots, count: train.count)
    let cached = featuresFrozen && options.augment == .none
    let trainFeatures = cached ? try context.features(train, label: "train") : nil
    let pixels = FewShotPixels(pipeline: pipeline, transform: options.augment == .none ? .none : .cropFlip(scale: RandomResizedCrop.defaultScale),
                               seed: runSeed)
    let textFrozen: Bool
    if case .visionLanguage(.cached) = head { textFrozen = !model.textFeatureModules.contains { $0.hasTrainableParameters } } else { textFrozen = false }
    let fixedText = textFrozen ? try classifier.fixedClassEmbeddings() : nil
    let loop = FewShotTrainingLoop(optimization: optimization, parameters: trainable.map(\.parameter), count: train.count,
                                   shuffle: options.shuffle, seed: runSeed, metrics: metrics)
    outcome.finalLoss = try loop.run(step: { indices, epoch, positions in
      let labels = indices.map { train[$0].label }
      let images: FewShotImages
      if let trainFeatures {
        images = .projectedFeatures(Tensor.concatenate(indices.map { trainFeatures.rows($0..<($0 + 1)) }))
      } else {
        images = .pixels(try pixels.batch(indices.map { train[$0].image }, epoch: epoch, positions: positions))
      }
      return try classifier.lossAndGradients(images, labels: labels, classEmbeddings: fixedText).loss
    }, afterStep: { step, loss in
      context.progress?(FewShotProgress(phase: "training", done: step, total: optimization.totalSteps, loss: loss))
      if let every = options.evalEvery, step % every == 0, step < optimization.totalSteps, !dataset.val.isEmpty {
        _ = try evaluate(logits, dataset.val, split: "val", step: step, metrics: metrics)
      }
    })
    outcome.steps = optimization.totalSteps
    outcome.chosen = optimization.summary
    outcome.tensors = trainable.map { ($0.key, $0.parameter.value) }
    return outcome
  }
}
