import Foundation
import Tensors

/// Every setting of a training run, resolved (defaults filled in). Written to `<run>/config.json`
/// so a run documents itself and `--resume` continues with exactly the same settings.
public struct TrainingOptions: Codable, Equatable, Sendable {
  public enum Method: String, Codable, Sendable, CaseIterable { case lora, full }
  public enum OptimizerKind: String, Codable, Sendable, CaseIterable { case adamw, adam, sgd }
  public enum ScheduleKind: String, Codable, Sendable, CaseIterable { case cosine, step, constant }
  public enum CaptionMode: String, Codable, Sendable, CaseIterable { case random, first, all }
  public enum Augmentation: String, Codable, Sendable, CaseIterable { case none, cropFlip = "crop-flip" }
  public enum AccumulationMode: String, Codable, Sendable, CaseIterable {
    /// The loss over the whole accumulated batch: contrastive over every pair (embeddings cached,
    /// then each micro-batch recomputed with its slice of the gradient), as open_clip's
    /// accum_freq does; for captioning the token-weighted mean over every micro-batch's labels.
    case exact
    /// Each micro-batch's own loss (B negatives; its own token mean), gradients averaged.
    case mean
  }
  /// What is trained: CLIP for retrieval (contrastive) or a ViT-GPT-2 captioner (teacher forcing).
  public enum Task: String, Codable, Sendable, CaseIterable { case retrieval, captioning }

  // Task (nil in run folders written before captioning existed: retrieval)
  public var taskKind: Task?
  public var task: Task {
    get { taskKind ?? .retrieval }
    set { taskKind = newValue }
  }
  /// Captioning: caption tokens kept before EOS is appended (nil: the decoder's positions − 1).
  public var captionMaxTokens: Int?
  /// Captioning validation: beams and max_length of the generated captions (nil: 1 and 16).
  public var evalNumBeams: Int?
  public var evalMaxLength: Int?

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

  // Compute (recorded when the run starts; results are bit-identical for the same values)
  /// Threads the run computes with (`ComputeContext.threads`); `--resume` uses it by default.
  public var threads: Int?
  /// The GEMM backend and kernel set (`ComputeContext.backend`), for the record.
  public var computeBackend: String?
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

  /// Upper bounds of the numeric settings (checked by `validate`). Steps stay below 2²⁴ because
  /// Adam's per-parameter step count is stored as float32 (as PyTorch does), exact only there.
  public enum Limits {
    public static let loraRank = 4096
    public static let epochs = 1_000_000
    public static let steps = 1 << 24
    public static let batchSize = 65536
    public static let accumulate = 65536
    public static let keepCheckpoints = 10_000
    public static let stepSizeEpochs = 1_000_000
  }

  /// Checks ranges and combinations; the message names the flag. Every float must be finite.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError(message) } }
    func finite(_ value: Double, _ flag: String) throws { try check(value.isFinite, "\(flag) must be a finite number, got \(value)") }
    for (value, flag) in [(learningRate, "--lr"), (eps, "--eps"), (weightDecay, "--weight-decay"), (momentum, "--momentum"),
                          (gamma, "--gamma"), (loraAlpha, "--lora-alpha"), (loraDropout, "--lora-dropout")] {
      try finite(value, flag)
    }
    if let gradientClip { try finite(gradientClip, "--grad-clip") }
    for b in betas { try finite(b, "--betas") }
    for c in cropScale { try finite(c, "--crop-scale") }
    if task == .retrieval {
      try check((2...Limits.batchSize).contains(batchSize), "--batch-size must be at least 2 (a contrastive batch needs negatives) and at most \(Limits.batchSize), got \(batchSize)")
    } else {
      try check((1...Limits.batchSize).contains(batchSize), "--batch-size must be in 1...\(Limits.batchSize), got \(batchSize)")
      try check(freeze.allSatisfy { ["encoder", "decoder"].contains($0) } && Set(freeze).count == freeze.count,
                "--freeze takes encoder and/or decoder for captioning (each once), got '\(freeze.joined(separator: ","))'")
    }
    try check(evalNumBeams.map { (1...64).contains($0) } ?? true, "--eval-num-beams must be in 1...64, got \(evalNumBeams ?? 0)")
    try check(evalMaxLength.map { (2...65_536).contains($0) } ?? true, "--eval-max-length must be in 2...65536, got \(evalMaxLength ?? 0)")
    try check(captionMaxTokens.map { (1...65_536).contains($0) } ?? true, "--max-caption-tokens must be in 1...65536, got \(captionMaxTokens ?? 0)")
    try check((1...Limits.accumulate).contains(accumulate), "--accumulate must be in 1...\(Limits.accumulate), got \(accumulate)")
    try check((1...Limits.epochs).contains(epochs), "--epochs must be in 1...\(Limits.epochs), got \(epochs)")
    try check(maxSteps.map { (1...Limits.steps).contains($0) } ?? true, "--max-steps must be in 1...\(Limits.steps), got \(maxSteps ?? 0)")
    try check(learningRate > 0, "--lr must be positive, got \(learningRate)")
    try check(eps > 0, "--eps must be positive, got \(eps)")
    try check(weightDecay >= 0, "--weight-decay must be at least 0, got \(weightDecay)")
    try check(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got \(momentum)")
    try check(method != .lora || (1...Limits.loraRank).contains(loraRank), "--lora-rank must be in 1...\(Limits.loraRank), got \(loraRank)")
    try check(loraAlpha > 0 || method != .lora, "--lora-alpha must be positive, got \(loraAlpha)")
    try check((0..<1).contains(loraDropout), "--lora-dropout must be in [0, 1), got \(loraDropout)")
    try check(loraTargetRegex != nil || (!loraTargets.isEmpty && loraTargets.allSatisfy { !$0.isEmpty }),
              "--lora-targets takes comma-separated module names, got '\(loraTargets.joined(separator: ","))'")
    if let loraTargetRegex {
      try check(!loraTargetRegex.isEmpty && (try? NSRegularExpression(pattern: loraTargetRegex)) != nil,
                "--lora-targets '\(loraTargetRegex)' is not a valid regex")
    }
    try check(!towers.isEmpty && towers.allSatisfy { ["vision", "text"].contains($0) } && Set(towers).count == towers.count,
              "--towers takes vision, text or vision,text (each once), got '\(towers.joined(separator: ","))'")
    try check(task == .captioning || freeze.allSatisfy { ["vision", "text"].contains($0) } && Set(freeze).count == freeze.count,
              "--freeze takes vision and/or text (each once), got '\(freeze.joined(separator: ","))'")
    try check(betas.count == 2 && betas.allSatisfy { (0..<1).contains($0) }, "--betas takes two numbers in [0, 1), got \(betas)")
    try check(cropScale.count == 2 && cropScale[0] > 0 && cropScale[0] <= cropScale[1] && cropScale[1] <= 1,
              "--crop-scale takes MIN,MAX with 0 < MIN ≤ MAX ≤ 1, got \(cropScale)")
    try check(saveEvery >= 1, "--save-every must be at least 1, got \(saveEvery)")
    try check((1...Limits.keepCheckpoints).contains(keepCheckpoints), "--keep-checkpoints must be in 1...\(Limits.keepCheckpoints), got \(keepCheckpoints)")
    try check(evalEvery.map { $0 >= 1 } ?? true, "--eval-every must be at least 1, got \(evalEvery ?? 0)")
    try check((0...Limits.steps).contains(warmupSteps), "--warmup-steps must be in 0...\(Limits.steps), got \(warmupSteps)")
    try check((1...Limits.stepSizeEpochs).contains(stepSizeEpochs), "--step-size must be in 1...\(Limits.stepSizeEpochs), got \(stepSizeEpochs)")
    try check(gamma > 0, "--gamma must be positive, got \(gamma)")
    try check(gradientClip.map { $0 > 0 } ?? true, "--grad-clip must be positive, got \(gradientClip ?? 0)")
    for (path, flag) in [(model, "--model"), (data, "--data"), (output, "--output")] {
      try check(!path.isEmpty, "\(flag) is empty")
    }
    try check(!trainSplit.isEmpty && valSplit.map { !$0.isEmpty } ?? true, "--train-split and --val-split must not be empty")
  }

  /// These options with `model`, `data`, `imageRoot`, `initialAdapter` and `output` made absolute
  /// (against the working directory), so a run's config.json resumes from anywhere.
  /// These options with the process's compute settings filled in where unset.
  public func withComputeRecorded() -> TrainingOptions {
    var o = self
    o.threads = o.threads ?? ComputeContext.threads
    o.computeBackend = o.computeBackend ?? ComputeContext.backend
    return o
  }

  public func withAbsolutePaths() -> TrainingOptions {
    func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
    var o = self
    o.model = absolute(model); o.data = absolute(data); o.output = absolute(output)
    o.imageRoot = imageRoot.map(absolute); o.initialAdapter = initialAdapter.map(absolute)
    return o
  }
}
