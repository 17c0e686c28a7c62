import Foundation

/// A learning-rate schedule: linear warmup from 0, then a decay rule. Values match transformers'
/// `get_*_schedule_with_warmup` (a `LambdaLR`: base · factor) and torch's `StepLR`, evaluated in
/// Double and rounded to Float once.
///
/// `step` is the number of optimiser steps taken so far (0-based): `learningRate(step: k)` is the
/// rate the (k+1)-th optimiser step uses. As in transformers, the very first step of a warmup has
/// rate 0 and step k < warmup has base · k / warmup.
public struct LRSchedule: Sendable, Equatable, Codable {
  /// What happens after the warmup.
  public enum Decay: Sendable, Equatable, Codable {
    /// The base rate (`get_constant_schedule_with_warmup`).
    case constant
    /// Half a cosine from the base rate down to 0 at `totalSteps` (`get_cosine_schedule_with_warmup`,
    /// num_cycles 0.5). `totalSteps` counts the warmup too (transformers' `num_training_steps`).
    /// Like transformers, the formula is not clamped: past `totalSteps` the rate rises again.
    case cosine(totalSteps: Int)
    /// A straight line from the base rate down to 0 at `totalSteps` (`get_linear_schedule_with_warmup`);
    /// 0 afterwards. `totalSteps` counts the warmup too.
    case linear(totalSteps: Int)
    /// torch `StepLR` stepped once per epoch: the rate is multiplied by `gamma` every `everyEpochs`
    /// epochs, where the epoch of optimiser step k is k / `stepsPerEpoch` (integer division,
    /// counted from the start of training, warmup included). During the warmup the epoch's rate is
    /// scaled by the warmup factor k / warmup. "Halve every 5 epochs" is
    /// `.stepDecay(gamma: 0.5, everyEpochs: 5, stepsPerEpoch: batchesPerEpoch)`.
    case stepDecay(gamma: Double, everyEpochs: Int, stepsPerEpoch: Int)

    /// Step decay counted in optimiser steps: × `gamma` every `everySteps` steps.
    public static func stepDecay(gamma: Double, everySteps: Int) -> Decay {
      .stepDecay(gamma: gamma, everyEpochs: everySteps, stepsPerEpoch: 1)
    }
  }

  /// The rate after warmup (before any decay).
  public var baseLR: Float
  /// Steps of linear warmup from 0 (0 for none).
  public var warmupSteps: Int
  /// The rule after warmup.
  public var decay: Decay

  /// A schedule reaching `baseLR` after `warmupSteps`, then following `decay`.
  public init(baseLR: Float, warmupSteps: Int = 0, decay: Decay = .constant) {
    precondition(warmupSteps >= 0, "warmup steps must be ≥ 0, got \(warmupSteps)")
    switch decay {
    case .constant: break
    case .cosine(let total), .linear(let total):
      precondition(total >= warmupSteps, "total steps \(total) must cover the \(warmupSteps) warmup steps")
    case .stepDecay(let gamma, let every, let perEpoch):
      precondition(gamma >= 0 && every > 0 && perEpoch > 0, "step decay needs gamma ≥ 0, everyEpochs > 0, stepsPerEpoch > 0")
    }
    (self.baseLR, self.warmupSteps, self.decay) = (baseLR, warmupSteps, decay)
  }

  /// The learning rate for optimiser step `step` (0-based; steps taken so far).
  public func learningRate(step: Int) -> Float {
    precondition(step >= 0, "step must be ≥ 0, got \(step)")
    let base = Double(baseLR), w = warmupSteps
    let warmup = Double(step) / Double(max(1, w))  // transformers: float(step) / float(max(1, warmup))
    switch decay {
    case .constant:
      return Float(base * (step < w ? warmup : 1))
    case .linear(let total):
      if step < w { return Float(base * warmup) }
      return Float(base * max(0, Double(total - step) / Double(max(1, total - w))))
    case .cosine(let total):
      if step < w { return Float(base * warmup) }
      let progress = Double(step - w) / Double(max(1, total - w))
      return Float(base * max(0, 0.5 * (1 + Foundation.cos(Double.pi * 0.5 * 2 * progress))))
    case .stepDecay(let gamma, let every, let perEpoch):
      // StepLR's chained form: the epoch's rate is the previous one × gamma at each boundary.
      var lr = base
      for _ in 0..<((step / perEpoch) / every) { lr *= gamma }
      return Float(step < w ? lr * warmup : lr)
    }
  }
}
