import Foundation

/// Every setting of a training run, resolved (defaults filled in). Written to `<run>/config.json`
/// so a run documents itself and `--resume` continues with exactly the same settings.
public struct TrainingOptions: Codable, Equatable, Sendable {
  public enum Method: String, Codable, Sendable, CaseIterable { case lora, full }
  public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case adamw, adam, sgd }
  public enum ScheduleKind: String, Codable, Sendable, CaseIterable { case cosine, step, constant }
  public enum CaptionMode: String, Codable, Sendable, CaseIterable { case random, first, all }
  public enum Augmentation: String, Codable, Sendable, CaseIterable { case none, cropFlip = "crop-flip" }
  public enum AccumulationMode: String, Codable, Sendable, CaseIterable {
    /// The contrastive loss over the whole accumulated batch (embeddings cached, then each
    /// micro-batch recomputed with its slice of the gradient), as open_clip's accum_freq does.
    case exact
    /// Each micro-batch's own loss (B negatives), gradients averaged.
    case mean
  }

  // Data
  public var model: String
  public var data: String
  public var imageRoot: String?
  public var trainSplit = "train"
  public var valSplit: String? = "val"
  public var captions = CaptionMode.random
  public var augment = Augmentation.none
  public var cropScale: [Double] = [0.08, 1.0]
  public var shuffle = true
  public var seed: UInt64 = 0

  // Method
  public var method = Method.lora
  public var loraRank = 16
  public var loraAlpha: Double = 32
  public var loraDropout: Double = 0.1
  public var loraTargets = ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"]
  /// A regex over full module names instead of suffixes (PEFT's string form), when set.
  public var loraTargetRegex: String?
  public var towers = ["vision", "text"]
  public var rsLoRA = false
  public var initialAdapter: String?
  /// Towers kept frozen in full fine-tuning.
  public var freeze: [String] = []

  // Optimisation
  public var optimizer = OptimizerKind.adamw
  public var learningRate: Double = 1e-4
  public var betas: [Double] = [0.9, 0.999]
  public var eps: Double = 1e-8
  public var weightDecay: Double = 0.01
  /// Decay every trainable parameter. Nil or false: open_clip's rule (`WeightDecay.openCLIP`), no
  /// decay for 1-D parameters (biases, LayerNorm gains, the class embedding) and `logit_scale`.
  /// Optional so that run folders written before the option existed still resume.
  public var decayAll: Bool?
  public var momentum: Double = 0.9
  public var schedule = ScheduleKind.cosine
  public var warmupSteps = 0
  public var stepSizeEpochs = 5
  public var gamma: Double = 0.5
  public var gradientClip: Double?
  public var epochs = 1
  public var maxSteps: Int?
  public var batchSize = 8
  public var accumulate = 1
  public var accumulationMode = AccumulationMode.exact

  // Run
  public var output: String
  public var saveEvery = 500
  public var evalEvery: Int?
  public var keepCheckpoints = 2

  public init(model: String, data: String, output: String) {
    self.model = model
    self.data = data
    self.output = output
  }

  /// Checks ranges and combinations; the message names the flag.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError(message) } }
    try check(batchSize >= 2, "--batch-size must be at least 2 (a contrastive batch needs negatives)")
    try check(accumulate >= 1, "--accumulate must be at least 1")
    try check(epochs >= 1, "--epochs must be at least 1")
    try check(maxSteps.map { $0 >= 1 } ?? true, "--max-steps must be at least 1")
    try check(learningRate > 0 && learningRate.isFinite, "--lr must be positive")
    try check(loraRank >= 1 || method != .lora, "--lora-rank must be at least 1 (got \(loraRank))")
    try check(loraAlpha > 0 || method != .lora, "--lora-alpha must be positive")
    try check((0..<1).contains(loraDropout), "--lora-dropout must be in [0, 1)")
    try check(!towers.isEmpty && towers.allSatisfy { ["vision", "text"].contains($0) }, "--towers takes vision, text or vision,text")
    try check(freeze.allSatisfy { ["vision", "text"].contains($0) }, "--freeze takes vision and/or text")
    try check(betas.count == 2 && betas.allSatisfy { (0..<1).contains($0) }, "--betas takes two numbers in [0, 1)")
    try check(cropScale.count == 2 && cropScale[0] > 0 && cropScale[0] <= cropScale[1] && cropScale[1] <= 1,
              "--crop-scale takes MIN,MAX with 0 < MIN ≤ MAX ≤ 1")
    try check(saveEvery >= 1 && keepCheckpoints >= 1, "--save-every and --keep-checkpoints must be at least 1")
    try check(evalEvery.map { $0 >= 1 } ?? true, "--eval-every must be at least 1")
    try check(warmupSteps >= 0 && stepSizeEpochs >= 1 && gamma > 0, "--warmup-steps ≥ 0, --step-size ≥ 1, --gamma > 0")
    try check(gradientClip.map { $0 > 0 } ?? true, "--grad-clip must be positive")
  }
}
