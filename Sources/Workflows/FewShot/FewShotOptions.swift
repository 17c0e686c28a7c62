import Datasets
import Foundation
import Training

/// Everything `cliptune fewshot` does, resolved: the model, the task, the method with its
/// settings, the sweep over shots and seeds, and the optimisation. Settings left nil take the
/// method's defaults (`FewShotDefaults`) when the sweep starts; `config.json` records the values
/// used.
public struct FewShotOptions: Codable, Equatable, Sendable {
  public var model: String
  public var data: String
  public var classes: String?
  public var trainSplit: String?
  public var output: String
  public var method: FewShotMethod
  public var head: FewShotHeadKind?
  public var shots: [FewShotSampler.Shots] = [.perClass(1), .perClass(2), .perClass(4), .perClass(8), .perClass(16)]
  public var seeds: [UInt64] = [1, 2, 3]
  /// Sample with replacement when a class has fewer training images than `shots`.
  public var repeatShots = false
  /// Prompt templates with `{}` for the class name.
  public var templates: [String] = ["a photo of a {}."]

  // Optimisation (nil: the method's default).
  public var optimizer: TrainingOptions.OptimizerKind?
  public var learningRate: Double?
  public var weightDecay: Double?
  public var momentum: Double?
  public var epochs: Int?
  public var maxSteps: Int?
  public var batchSize: Int?
  public var schedule: TrainingOptions.ScheduleKind?
  public var warmupSteps: Int?
  public var augment: TrainingOptions.Augmentation = .none
  public var shuffle = true
  /// Seeds the trainable tensors' init, shuffling, augmentation and dropout of every sub-run (mixed
  /// with the sub-run's draw seed).
  public var seed: UInt64 = 0
  /// Start the trainable tensors from this safetensors file (keys as the method saves them).
  public var initWeights: String?
  /// Evaluate on the validation split every this many steps (nil: only at the end).
  public var evalEvery: Int?

  // Method settings (nil: the method's default).
  public var adapterRatio: Double?
  public var textAdapter = false
  public var promptTokens: Int?
  public var promptDropout: Double?
  public var contextLength: Int?
  public var ctxInit: String?
  public var classTokenPosition: String?
  public var classSpecificContext = false
  public var tipAlpha: Double?
  public var tipBeta: Double?
  public var linearProbeC: Double?
  public var loraRank: Int?
  public var loraAlpha: Double?
  public var loraDropout: Double?
  public var loraTargets: [String]?

  /// Where image features are cached (nil: no cache, features are computed once per sweep in memory).
  public var featureCache: String?
  /// Evaluate the tensors in `weights` instead of training.
  public var evalOnly = false
  public var weights: String?
  /// Recorded: the thread count and the compute backend.
  public var threads: Int?
  public var computeBackend: String?

  public init(model: String, data: String, output: String, method: FewShotMethod) {
    self.model = model
    self.data = data
    self.output = output
    self.method = method
  }

  /// The head used: the given one, or the method's default.
  public var resolvedHead: FewShotHeadKind { head ?? method.heads[0] }

  /// Checks every setting against its range and the method; the message names the flag.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError(message) } }
    try check(!shots.isEmpty && !seeds.isEmpty, "--shots and --seeds need at least one value each")
    try check(Set(shots).count == shots.count && Set(seeds).count == seeds.count, "--shots and --seeds must not repeat a value")
    for case .perClass(let k) in shots { try check((1...100_000).contains(k), "--shots \(k) is out of range (1 to 100000, or all)") }
    try check(method.heads.contains(resolvedHead),
              "--method \(method.rawValue) takes --head \(method.heads.map(\.rawValue).joined(separator: " or ")), not \(resolvedHead.rawValue)")
    try check(!templates.isEmpty && templates.allSatisfy { $0.contains("{}") }, "every template needs a {} for the class name")
    if let lr = learningRate { try check(lr.isFinite && lr > 0, "--lr must be a positive number") }
    if let wd = weightDecay { try check(wd.isFinite && wd >= 0, "--weight-decay must be a non-negative number") }
    if let m = momentum { try check(m.isFinite && (0..<1).contains(m), "--momentum must be in [0, 1)") }
    if let e = epochs { try check((1...TrainingOptions.Limits.epochs).contains(e), "--epochs must be in 1...\(TrainingOptions.Limits.epochs)") }
    if let s = maxSteps { try check((1...TrainingOptions.Limits.steps).contains(s), "--max-steps must be in 1...\(TrainingOptions.Limits.steps)") }
    if let b = batchSize { try check((1...TrainingOptions.Limits.batchSize).contains(b), "--batch-size must be in 1...\(TrainingOptions.Limits.batchSize)") }
    if let w = warmupSteps { try check((0...TrainingOptions.Limits.steps).contains(w), "--warmup-steps must be in 0...\(TrainingOptions.Limits.steps)") }
    if let e = evalEvery { try check(e >= 1, "--eval-every must be at least 1") }
    if let r = adapterRatio { try check(r > 0 && r <= 1, "--adapter-ratio must be in (0, 1]") }
    if let n = promptTokens { try check((1...1024).contains(n), "--prompt-tokens must be in 1...1024") }
    if let p = promptDropout { try check((0..<1).contains(p), "--prompt-dropout must be in [0, 1)") }
    if let n = contextLength { try check((1...64).contains(n), "--n-ctx must be in 1...64") }
    if let p = classTokenPosition { try check(["end", "middle", "front"].contains(p), "--class-token-position must be end, middle or front") }
    if let a = tipAlpha { try check(a.isFinite && a >= 0, "--tip-alpha must be a non-negative number") }
    if let b = tipBeta { try check(b.isFinite && b >= 0, "--tip-beta must be a non-negative number") }
    if let c = linearProbeC { try check(c.isFinite && c > 0, "--lp-c must be a positive number") }
    if let r = loraRank { try check((1...TrainingOptions.Limits.loraRank).contains(r), "--lora-rank must be in 1...\(TrainingOptions.Limits.loraRank)") }
    if let a = loraAlpha { try check(a.isFinite && a > 0, "--lora-alpha must be a positive number") }
    if let d = loraDropout { try check((0..<1).contains(d), "--lora-dropout must be in [0, 1)") }
    try check(!evalOnly || weights != nil || !method.trainsByGradient && method != .linearProbe,
              "--eval-only needs --weights FILE (the tensors to evaluate)")
    try check(weights == nil || evalOnly, "--weights is for --eval-only; to start training from given tensors use --init")
    let optionsFor: [(Bool, String, [FewShotMethod])] = [
      (adapterRatio != nil || textAdapter, "--adapter-ratio/--text-adapter", [.clipAdapter]),
      (promptTokens != nil || promptDropout != nil, "--prompt-tokens/--prompt-dropout", [.vptShallow, .vptDeep]),
      (contextLength != nil || ctxInit != nil || classTokenPosition != nil || classSpecificContext, "--n-ctx/--ctx-init/--class-token-position/--csc", [.coop]),
      (tipAlpha != nil || tipBeta != nil, "--tip-alpha/--tip-beta", [.tipAdapter, .tipAdapterF]),
      (linearProbeC != nil, "--lp-c", [.linearProbe]),
      (loraRank != nil || loraAlpha != nil || loraDropout != nil || loraTargets != nil, "--lora-*", [.lora]),
    ]
    for (given, flags, methods) in optionsFor where given && !methods.contains(method) {
      throw TrainingError("\(flags) belong to --method \(methods.map(\.rawValue).joined(separator: "/")), not \(method.rawValue)")
    }
    try check(!(method == .tipAdapterF && augment != .none),
              "--augment is not available for tip-adapter-f here: its cache is built from the un-augmented features (the original averages 10 augmented passes)")
    if !method.trainsByGradient {
      let given = [(optimizer != nil, "--optimizer"), (learningRate != nil, "--lr"), (epochs != nil, "--epochs"), (maxSteps != nil, "--max-steps"),
                   (initWeights != nil, "--init"), (augment != .none, "--augment")].filter(\.0).map(\.1)
      try check(given.isEmpty, "--method \(method.rawValue) does not train by gradient steps; \(given.joined(separator: ", ")) do not apply")
    }
  }
}
