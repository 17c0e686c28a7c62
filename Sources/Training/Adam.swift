import Layers
import SafeTensors
import Tensors

/// torch.optim.Adam: weight decay as an L2 term added to the gradient (g ← g + wd·p) before the
/// moments. Defaults are PyTorch's (betas (0.9, 0.999), eps 1e-8, weight decay 0).
///
///     m ← lerp(m, g, 1 − β1);  v ← β2·v + (1 − β2)·g²
///     p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
///
/// with t the parameter's own step count. `decays` picks the parameters that get weight decay
/// (PyTorch does this with parameter groups; see `WeightDecay.openCLIP`).
public class Adam: Optimizer {
  let engine: AdamEngine
  /// The learning rate `step(_:)` uses when none is given.
  public var lr: Float

  /// PyTorch's `Adam(params, lr, betas, eps, weight_decay)`; `decays` says which parameters decay.
  public convenience init(lr: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
                          decays: @escaping (Parameter) -> Bool = WeightDecay.all) {
    self.init(kind: "Adam", decoupled: false, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, decays: decays)
  }

  init(kind: String, decoupled: Bool, lr: Float, betas: (Double, Double), eps: Double, weightDecay: Double,
       decays: @escaping (Parameter) -> Bool) {
    self.lr = lr
    engine = AdamEngine(kind: kind, decoupled: decoupled, betas: betas, eps: eps, weightDecay: weightDecay, decays: decays)
  }

  /// The name in checkpoint metadata ("Adam" or "AdamW").
  public var kind: String { engine.kind }
  /// (β1, β2): decay rates of the first and second moments.
  public var betas: (Double, Double) { engine.betas }
  /// Added to the denominator for stability.
  public var eps: Double { engine.eps }
  /// The weight-decay coefficient (for parameters `decays` accepts).
  public var weightDecay: Double { engine.weightDecay }
  /// Steps taken for `name` so far (0 when it has no state).
  public func stepCount(of name: String) -> Int { engine.slots[name]?.step ?? 0 }

  /// See `Optimizer.step(_:lr:)`.
  public func step(_ parameters: [Parameter], lr: Float) { engine.step(parameters, lr: lr) }
  /// `<name>.exp_avg`, `<name>.exp_avg_sq`, `<name>.step` for every parameter with state.
  public func stateTensors() -> [(name: String, tensor: Tensor)] { engine.stateTensors() }
  /// `optimizer`, `betas`, `eps`, `weight_decay`.
  public var stateMetadata: [String: String] { engine.metadata }
  /// See `Optimizer.loadState(from:)`.
  public func loadState(from file: SafeTensorsFile) throws { try engine.loadState(from: file) }
  /// See `Optimizer.resetState()`.
  public func resetState() { engine.slots = [:] }
}

/// torch.optim.AdamW: Adam with decoupled weight decay, applied to the parameter before the update
/// (p ← p·(1 − lr·wd)) instead of added to the gradient. Defaults are PyTorch's (weight decay 0.01).
public final class AdamW: Adam {
  /// PyTorch's `AdamW(params, lr, betas, eps, weight_decay)`; `decays` says which parameters decay.
  public convenience init(lr: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0.01,
                          decays: @escaping (Parameter) -> Bool = WeightDecay.all) {
    self.init(kind: "AdamW", decoupled: true, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, decays: decays)
  }
}
