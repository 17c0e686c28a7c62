import Datasets
import Training

/// The settings a method uses when the command line leaves them out: its paper's (the original
/// code's configs; docs/fewshot.md lists the sources and where we differ). Training length is in
/// epochs over the few-shot training set unless the method counts iterations (CLIP-LoRA).
public struct FewShotDefaults: Equatable, Sendable {
  public var optimizer: TrainingOptions.OptimizerKind
  public var learningRate: Double
  public var weightDecay: Double
  public var momentum: Double
  public var batchSize: Int
  public var schedule: TrainingOptions.ScheduleKind
  /// Epochs for K shots per class (all shots: the 16-shot value).
  public var epochs: @Sendable (Int) -> Int
  /// Optimiser steps instead of epochs, for K shots (CLIP-LoRA: 500 × K); nil uses `epochs`.
  public var steps: (@Sendable (Int) -> Int)?
  public var eps: Double = 1e-8
  /// Epochs of linear warmup (VPT's 10); 0 for none.
  public var warmupEpochs: Int = 0

  public static func == (a: FewShotDefaults, b: FewShotDefaults) -> Bool {
    a.optimizer == b.optimizer && a.learningRate == b.learningRate && a.weightDecay == b.weightDecay
      && a.momentum == b.momentum && a.batchSize == b.batchSize && a.schedule == b.schedule
      && (1...16).allSatisfy { a.epochs($0) == b.epochs($0) && a.steps?($0) == b.steps?($0) } && a.eps == b.eps && a.warmupEpochs == b.warmupEpochs
  }

  /// The defaults of `method`.
  public static func of(_ method: FewShotMethod) -> FewShotDefaults {
    switch method {
    case .coop:
      // CoOp (configs/trainers/CoOp/*.yaml; momentum and weight decay are Dassl's defaults): SGD 0.002,
      // momentum 0.9, wd 5e-4, batch 32, cosine; 50 epochs for 1 shot, 100 for 2–4, 200 for 8 and more.
      return FewShotDefaults(optimizer: .sgd, learningRate: 0.002, weightDecay: 5e-4, momentum: 0.9, batchSize: 32,
                             schedule: .cosine, epochs: { $0 <= 1 ? 50 : ($0 <= 4 ? 100 : 200) }, steps: nil)
    case .clipAdapter:
      // CLIP-Adapter releases no training config; its README runs CoOp's (rn50.yaml): SGD 0.002,
      // momentum 0.9, wd 5e-4, batch 32, cosine, 200 epochs.
      return FewShotDefaults(optimizer: .sgd, learningRate: 0.002, weightDecay: 5e-4, momentum: 0.9, batchSize: 32,
                             schedule: .cosine, epochs: { _ in 200 }, steps: nil)
    case .vptShallow, .vptDeep:
      // VPT (configs/base-prompt.yaml, tune_vtab.py): SGD, momentum 0.9, wd 1e-4, batch 128, 100 epochs of
      // cosine after a linear warmup (10 epochs, set by the sweep); lr = base lr × batch / 256 with the
      // base lr tuned per task from {50 … 0.05}: 0.25 here (one of the grid's values) → 0.125.
      return FewShotDefaults(optimizer: .sgd, learningRate: 0.25 * 128 / 256, weightDecay: 1e-4, momentum: 0.9, batchSize: 128,
                             schedule: .cosine, epochs: { _ in 100 }, steps: nil, warmupEpochs: 10)
    case .lora:
      // CLIP-LoRA (lora.py, run_utils.py): AdamW 2e-4, betas (0.9, 0.999), wd 1e-2, batch 32, cosine per
      // iteration (to 1e-6 there, to 0 here), 500 × K iterations.
      return FewShotDefaults(optimizer: .adamw, learningRate: 2e-4, weightDecay: 1e-2, momentum: 0, batchSize: 32,
                             schedule: .cosine, epochs: { _ in 1 }, steps: { 500 * $0 })
    case .tipAdapterF:
      // Tip-Adapter-F (configs/*.yaml, main.py): AdamW 1e-3, eps 1e-4 (torch's default weight decay
      // 0.01), batch 256, cosine per iteration, 20 epochs.
      return FewShotDefaults(optimizer: .adamw, learningRate: 1e-3, weightDecay: 0.01, momentum: 0, batchSize: 256,
                             schedule: .cosine, epochs: { _ in 20 }, steps: nil, eps: 1e-4)
    case .zeroShot, .linearProbe, .tipAdapter:
      return FewShotDefaults(optimizer: .adamw, learningRate: 1e-3, weightDecay: 0, momentum: 0, batchSize: 32,
                             schedule: .constant, epochs: { _ in 0 }, steps: nil)
    }
  }

  /// Method settings left out, as the papers set them.
  public enum Method {
    public static let adapterRatio = 0.2
    /// VPT's config defaults (tuned per task in the paper).
    public static let promptTokens = 5
    public static let promptDropout = 0.0
    public static let contextLength = 16
    public static let classTokenPosition = "end"
    public static let loraRank = 2
    public static let loraAlpha = 1.0
    public static let loraDropout = 0.25
    public static let loraTargets = ["q_proj", "k_proj", "v_proj"]
    /// CLIP-LoRA scales by α/√r (loralib/layers.py), which is rank-stabilised LoRA's rule.
    public static let loraRankStabilised = true
    /// Tip-Adapter-F trains with the config's init_alpha and init_beta (1 and 1 for most datasets).
    public static let tipInitAlpha = 1.0
    public static let tipInitBeta = 1.0
  }
}
