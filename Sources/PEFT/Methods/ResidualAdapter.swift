import Layers
import Tensors

/// CLIP-Adapter's residual bottleneck (Gao et al. 2021) on projected features:
/// f ← α·A(f) + (1 − α)·f,  A(f) = ReLU(ReLU(f W₁ᵀ) W₂ᵀ),  W₁: [d/r, d], W₂: [d, d/r], no biases.
/// x: [B, d] → [B, d].
///
/// Backward, with h = ReLU(x W₁ᵀ), a = ReLU(h W₂ᵀ), g = dy:
/// d(a) = α g;  d(pre₂) = d(a) ⊙ [a > 0];  dW₂ += d(pre₂)ᵀ h;  dh = d(pre₂) W₂;
/// d(pre₁) = dh ⊙ [h > 0];  dW₁ += d(pre₁)ᵀ x;  dx = (1 − α) g + d(pre₁) W₁.
public final class ResidualAdapter: SequenceModule {
  public let fc1: Linear  // [d/r, d]
  public let fc2: Linear  // [d, d/r]
  public let ratio: Float
  private var cache: (h: Tensor, a: Tensor)?

  /// Parameters `prefix.fc1.weight`, `prefix.fc2.weight`, initialised as PyTorch's `nn.Linear`
  /// (uniform ±1/√fan_in) from `rng`, fc1 first.
  public init(_ prefix: String, dim: Int, reduction: Int, ratio: Float, rng: inout SeededRNG) {
    let hidden = max(dim / reduction, 1)
    fc1 = Linear("\(prefix).fc1", inFeatures: dim, outFeatures: hidden, bias: false)
    fc2 = Linear("\(prefix).fc2", inFeatures: hidden, outFeatures: dim, bias: false)
    self.ratio = ratio
    for layer in [fc1, fc2] {
      let bound = 1 / Float(layer.inFeatures).squareRoot()
      layer.weight.value = Tensor(shape: layer.weight.shape,
                                  data: (0..<layer.weight.value.count).map { _ in rng.uniform(-bound, bound) })
    }
  }

  public var parameters: [Parameter] { fc1.parameters + fc2.parameters }

  public func forward(_ x: Tensor, training: Bool) -> Tensor {
    var h = fc1.forward(x, training: training)
    Self.relu(&h)
    var a = fc2.forward(h, training: training)
    Self.relu(&a)
    cache = training ? (h, a) : nil
    var y = x
    y.scale(by: 1 - ratio)
    var scaled = a
    scaled.scale(by: ratio)
    y.add(scaled)
    return y
  }

  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    guard let (h, a) = cache else { preconditionFailure("\(fc1.weight.name): backward without a training forward") }
    cache = nil
    var dPre2 = dy
    for k in 0..<dPre2.count { dPre2.data[k] = a.data[k] > 0 ? ratio * dPre2.data[k] : 0 }
    guard var dh = fc2.backward(dPre2, inputGradient: true) else { return nil }
    for k in 0..<dh.count where !(h.data[k] > 0) { dh.data[k] = 0 }
    let d1 = fc1.backward(dh, inputGradient: inputGradient)
    guard inputGradient, let d1 else { return nil }
    var dx = dy
    dx.scale(by: 1 - ratio)
    dx.add(d1)
    return dx
  }

  private static func relu(_ t: inout Tensor) {
    for k in 0..<t.count where !(t.data[k] > 0) { t.data[k] = 0 }
  }
}
