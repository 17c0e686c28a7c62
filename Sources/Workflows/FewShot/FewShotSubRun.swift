import CLIP
import Datasets
import Evaluation
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import Training

/// One (shots, seed) sub-run: draw the few-shot training set, fit or train the method, evaluate on
/// the validation and test splits, and write the sub-run folder (`fewshot_draw.json`,
/// `metrics.jsonl`, `weights.safetensors` — and `adapter/` in PEFT's format for LoRA —, `result.json`).
struct FewShotSubRun {
  let context: FewShotContext
  let shots: FewShotSampler.Shots
  let seed: UInt64
  let folder: URL

  var options: FewShotOptions { context.options }
  var dataset: ClassificationDataset { context.dataset }
  /// The seed of everything random in this sub-run except the draw (init, order, augmentation, dropout).
  var runSeed: UInt64 { SeedMixer.mix(options.seed ^ SeedMixer.mix(seed)) }

  static func folderName(shots: FewShotSampler.Shots, seed: UInt64) -> String { "shots\(shots)_seed\(seed)" }

  func run() throws -> FewShotSubRunResult {
    let started = Date()
    let train: [ClassificationSample]
    if options.evalOnly {
      train = []
    } else {
      let draw = try FewShotSampler.draw(from: dataset, shots: shots, seed: seed, repeat: options.repeatShots)
      try draw.record.write(to: folder.appendingPathComponent(FewShotRecord.fileName))
      train = draw.indices.map { dataset.train[$0] }
    }
    // A killed sub-run is redone whole (result.json marks a finished one), so its steps need no fsync.
    let metrics = try MetricsLog(url: folder.appendingPathComponent("metrics.jsonl"), synchronizesEachLine: false)
    var outcome: Outcome
    switch options.method {
    case .zeroShot: outcome = try zeroShot()
    case .linearProbe: outcome = try linearProbe(train)
    case .tipAdapter: outcome = try tipAdapter(train, metrics: metrics, trainKeys: false)
    case .tipAdapterF: outcome = try tipAdapter(train, metrics: metrics, trainKeys: true)
    default: outcome = try trainByGradient(train, metrics: metrics)
    }
    defer { outcome.cleanUp() }
    let val = try dataset.val.isEmpty ? nil : evaluate(outcome.logits, dataset.val, split: "val", step: outcome.steps, metrics: metrics)
    let test = try evaluate(outcome.logits, dataset.test, split: "test", step: outcome.steps, metrics: metrics)
    if !outcome.tensors.isEmpty {
      try SafeTensorsWriter.write(outcome.tensors, metadata: ["method": options.method.rawValue, "shots": "\(shots)", "seed": "\(seed)"],
                                  to: folder.appendingPathComponent("weights.safetensors"))
    }
    try outcome.saveExtra?(folder)
    try metrics.synchronize()
    let result = FewShotSubRunResult(shots: shots, seed: seed, folder: folder.lastPathComponent, trainImages: train.count,
                                     steps: outcome.steps, finalLoss: outcome.finalLoss.map(Double.init), val: val, test: test,
                                     chosen: outcome.chosen, seconds: Date().timeIntervalSince(started))
    try FewShotSubRun.write(result, to: folder)
    return result
  }

  static let resultFile = "result.json"

  static func write(_ result: FewShotSubRunResult, to folder: URL) throws {
    try FewShotSweep.write(result, to: folder.appendingPathComponent(resultFile))
  }

  /// A finished sub-run's result, or nil when it has none (or an unreadable one).
  static func read(_ folder: URL) -> FewShotSubRunResult? {
    let url = folder.appendingPathComponent(resultFile)
    guard let data = try? InputFile.read(url.path, what: "sub-run result", limit: 64 << 20) else { return nil }
    return try? JSONDecoder().decode(FewShotSubRunResult.self, from: data)
  }

  // MARK: - What a method leaves for evaluation

  /// How a fitted or trained method scores images, and what it saves.
  struct Outcome {
    /// Logits for a split's samples.
    var logits: ([ClassificationSample], String) throws -> Tensor
    var tensors: [(name: String, tensor: Tensor)] = []
    var steps = 0
    var finalLoss: Float?
    var chosen: [String: Double] = [:]
    var saveExtra: ((URL) throws -> Void)?
    var cleanUp: () -> Void = {}
  }

  /// Metrics of `logits` on `samples`, logged as one evaluation line.
  func evaluate(_ logitsOf: ([ClassificationSample], String) throws -> Tensor, _ samples: [ClassificationSample], split: String,
                step: Int, metrics: MetricsLog) throws -> ClassificationResult {
    let logits = try logitsOf(samples, split)
    let result = try ClassificationMetrics.evaluate(logits: logits, labels: samples.map(\.label))
    var fields: [(String, OrderedJSON)] = [("step", .integer(step)), ("split", .string(split)), ("acc1", .number(result.acc1))]
    fields.append(("acc5", result.acc5.map { .number($0) } ?? .null))
    fields += [("mean_per_class_recall", .number(result.meanPerClassRecall)), ("macro_f1", .number(result.macroF1))]
    try metrics.append(.object(fields))
    return result
  }

  // MARK: - Training-free and fitted methods

  private func zeroShot() throws -> Outcome {
    let classifier = try context.zeroShotClassifier()
    let scale = expf(context.pipeline.model.logitScale.value.data[0])
    return Outcome(logits: { samples, split in
      let f = try context.features(samples, label: split)
      return CosineLogits.forward(features: f, classEmbeddings: classifier, scale: scale).logits
    })
  }

  private func linearProbe(_ train: [ClassificationSample]) throws -> Outcome {
    let head: LinearProbeHead
    var chosen: [String: Double] = [:]
    if options.evalOnly {
      let linear = try loadHead(from: URL(fileURLWithPath: options.weights!))
      return Outcome(logits: { samples, split in linear.forward(try context.features(samples, label: split)) },
                     tensors: [("head.weight", linear.weight.value), ("head.bias", linear.bias!.value)])
    } else {
      let features = try context.features(train, label: "train")
      let labels = train.map(\.label), classes = dataset.classNames.count
      if let c = options.linearProbeC {
        head = try LinearProbe.fit(features: features, labels: labels, classes: classes, C: c)
      } else {
        guard !dataset.val.isEmpty else {
          throw FewShotError(file: options.data, "the linear probe chooses C on the validation split, and this task has none; give --lp-c")
        }
        let search = try LinearProbe.search(train: features, labels: labels, validation: context.features(dataset.val, label: "val"),
                                            validationLabels: dataset.val.map(\.label), classes: classes)
        head = search.head
      }
      chosen["C"] = head.C
    }
    return Outcome(logits: { samples, split in try head.logits(context.features(samples, label: split)) },
                   tensors: [("head.weight", head.weight), ("head.bias", head.bias)], chosen: chosen)
  }

  private func tipAdapter(_ train: [ClassificationSample], metrics: MetricsLog, trainKeys: Bool) throws -> Outcome {
    guard !options.evalOnly else { throw FewShotError("--eval-only is not available for Tip-Adapter: its cache is built from the few-shot draw") }
    let classifier = try context.zeroShotClassifier()
    let labels = train.map(\.label)
    var cache = try TipAdapter(trainFeatures: context.features(train, label: "train"), labels: labels, classifier: classifier)
    if let file = options.initWeights {  // Tip-Adapter-F from given keys
      let url = URL(fileURLWithPath: file), tensors = try SafeTensorsFile(contentsOf: url)
      guard tensors.contains("cache_keys") else { throw FewShotError(file: file, "has no cache_keys (the Tip-Adapter-F keys)") }
      let keys = try tensors.tensor("cache_keys")
      guard keys.shape == cache.keys.shape else {
        throw FewShotError(file: file, "cache_keys has shape \(keys.shape); this draw's cache is \(cache.keys.shape)")
      }
      cache = try TipAdapter(keys: keys, labels: labels, classifier: classifier)
    }
    var outcome = Outcome(logits: { _, _ in Tensor(zeros: [0]) })
    if trainKeys {
      let fitted = try TipAdapterF(cache, alpha: options.tipAlpha ?? FewShotDefaults.Method.tipInitAlpha,
                                   beta: options.tipBeta ?? FewShotDefaults.Method.tipInitBeta)
      let optimization = FewShotOptimization(options: options, shots: shots, count: train.count)
      let trainFeatures = try context.features(train, label: "train")
      let loop = FewShotTrainingLoop(optimization: optimization, parameters: fitted.parameters, count: train.count,
                                     shuffle: options.shuffle, seed: runSeed, metrics: metrics)
      outcome.finalLoss = try loop.run(step: { indices, _, _ in
        let rows = Tensor.concatenate(indices.map { trainFeatures.rows($0..<($0 + 1)) })
        return Float(try fitted.crossEntropyStep(features: rows, labels: indices.map { labels[$0] }).loss)
      }, afterStep: { step, loss in context.progress?(FewShotProgress(phase: "training", done: step, total: optimization.totalSteps, loss: loss)) })
      outcome.steps = optimization.totalSteps
      cache = try fitted.adapter
    }
    var alpha = options.tipAlpha, beta = options.tipBeta
    if alpha == nil || beta == nil {
      guard !dataset.val.isEmpty else {
        throw FewShotError(file: options.data, "Tip-Adapter searches alpha and beta on the validation split, and this task has none; give --tip-alpha and --tip-beta")
      }
      let found = try cache.search(validation: context.features(dataset.val, label: "val"), labels: dataset.val.map(\.label))
      alpha = alpha ?? found.alpha
      beta = beta ?? found.beta
    }
    let (a, b) = (alpha!, beta!)
    outcome.chosen = ["tip_alpha": a, "tip_beta": b]
    var values = Tensor(zeros: [labels.count, dataset.classNames.count])
    for (i, label) in labels.enumerated() { values.data[i * dataset.classNames.count + label] = 1 }
    outcome.tensors = [("cache_keys", cache.keys), ("cache_values", values)]
    let final = cache
    outcome.logits = { samples, split in try final.logits(context.features(samples, label: split), alpha: a, beta: b) }
    return outcome
  }

  /// A vision head `head` [classes, D] with the weight and bias of a tensors file; shapes are checked.
  func loadHead(from url: URL) throws -> Linear {
    let file = try SafeTensorsFile(contentsOf: url)
    guard file.contains("head.weight"), file.contains("head.bias") else {
      throw FewShotError(file: url.path, "has no head.weight and head.bias (the vision head's tensors)")
    }
    let w = try file.tensor("head.weight"), b = try file.tensor("head.bias")
    let classes = dataset.classNames.count, d = context.pipeline.model.config.projectionDim
    guard w.shape == [classes, d], b.shape == [classes] else {
      throw FewShotError(file: url.path, "head.weight \(w.shape) and head.bias \(b.shape) do not fit \(classes) classes of \(d)-dimensional features")
    }
    let linear = Linear("head", inFeatures: d, outFeatures: classes)
    linear.weight.value = w
    linear.bias!.value = b
    return linear
  }
}
