import Layers
import SafeTensors
import Tensors

/// torch.optim.AdamW: Adam with decoupled weight decay.
///
///     p ← p·(1 − lr·wd);  m ← lerp(m, g, 1 − β1);  v ← β2·v + (1 − β2)·g²
///     p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + eps)
///
/// with t the parameter's own step count. Defaults are PyTorch's (betas (0.9, 0.999), eps 1e-8,
/// weight decay 0.01). `decays` picks the parameters that get weight decay (PyTorch does this
/// with parameter groups; see `WeightDecay.openCLIP`).
public final class AdamW: Optimizer {
  let engine: AdamEngine
  public var lr: Float

  public init(lr: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0.01,
              decays: @escaping (Parameter) -> Bool = WeightDecay.all) {
    self.lr = lr
    engine = AdamEngine(kind: "AdamW", decoupled: true, betas: betas, eps: eps, weightDecay: weightDecay, decays: decays)
  }

  public var kind: String { engine.kind }
  public var betas: (Double, Double) { engine.betas }
  public var eps: Double { engine.eps }
  public var weightDecay: Double { engine.weightDecay }
  /// Steps taken for `name` so far (0 when it has no state).
  public func stepCount(of name: String) -> Int { engine.slots[name]?.step ?? 0 }

  public func step(_ parameters: [Parameter], lr: Float) { engine.step(parameters, lr: lr) }
  public func stateTensors() -> [(name: String, tensor: Tensor)] { engine.stateTensors() }
  public var stateMetadata: [String: String] { engine.metadata }
  public func loadState(from file: SafeTensorsFile) throws { try engine.loadState(from: file) }
  public func resetState() { engine.slots = [:] }
}

/// torch.optim.Adam: weight decay as an L2 term added to the gradient (g ← g + wd·p) before the
/// moments; otherwise the same update as `AdamW`. Defaults are PyTorch's (weight decay 0).
public final class Adam: Optimizer {
  let engine: AdamEngine
  public var lr: Float

  public init(lr: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, weightDecay: Double = 0,
              decays: @escaping (Parameter) -> Bool = WeightDecay.all) {
    self.lr = lr
    engine = AdamEngine(kind: "Adam", decoupled: false, betas: betas, eps: eps, weightDecay: weightDecay, decays: decays)
  }

  public var kind: String { engine.kind }
  public var betas: (Double, Double) { engine.betas }
  public var eps: Double { engine.eps }
  public var weightDecay: Double { engine.weightDecay }
  /// Steps taken for `name` so far (0 when it has no state).
  public func stepCount(of name: String) -> Int { engine.slots[name]?.step ?? 0 }

  public func step(_ parameters: [Parameter], lr: Float) { engine.step(parameters, lr: lr) }
  public func stateTensors() -> [(name: String, tensor: Tensor)] { engine.stateTensors() }
  public var stateMetadata: [String: String] { engine.metadata }
  public func loadState(from file: SafeTensorsFile) throws { try engine.loadState(from: file) }
  public func resetState() { engine.slots = [:] }
}
