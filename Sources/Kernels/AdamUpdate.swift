import CKernels

/// torch.optim.Adam(W)'s element update (`_single_tensor_adam`), on the CPU's widest vectors
/// (CKernels). With g' = g + l2·p:
///
///     m ← lerp(m, g', w)              (ATen's two formulas: m + w·(g' − m) when |w| < 0.5,
///                                      else g' − (g' − m)·(1 − w))
///     v ← v·β2 + (1 − β2)·g'²
///     p ← p·decay + (−lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + eps)
public enum AdamUpdate {
  /// The per-step scalars, as PyTorch forms them (Double, rounded to Float where PyTorch hands them
  /// to a float32 kernel).
  public struct Coefficients: Sendable {
    public var decay: Float          // AdamW: param.mul_(1 − lr·wd); else 1
    public var l2: Float             // Adam: grad.add(param, alpha=wd); else 0
    public var lerpWeight: Float     // exp_avg.lerp_(grad, 1 − β1)
    public var lerpSmall: Bool       // |weight| < 0.5: which of lerp's two formulas PyTorch uses
    public var oneMinusWeight: Float
    public var beta2: Float, oneMinusBeta2: Float
    public var bc2Sqrt: Float        // (1 − β2^t)^0.5
    public var eps: Float
    public var negStepSize: Float    // −lr / (1 − β1^t)

    public init(decay: Float, l2: Float, lerpWeight: Float, lerpSmall: Bool, oneMinusWeight: Float, beta2: Float,
                oneMinusBeta2: Float, bc2Sqrt: Float, eps: Float, negStepSize: Float) {
      (self.decay, self.l2, self.lerpWeight, self.lerpSmall, self.oneMinusWeight) = (decay, l2, lerpWeight, lerpSmall, oneMinusWeight)
      (self.beta2, self.oneMinusBeta2, self.bc2Sqrt, self.eps, self.negStepSize) = (beta2, oneMinusBeta2, bc2Sqrt, eps, negStepSize)
    }
  }

  /// Updates p, m, v (each `count` elements) from g, in parallel chunks.
  public static func apply(gradient g: UnsafePointer<Float>, parameter p: UnsafeMutablePointer<Float>,
                           expAvg m: UnsafeMutablePointer<Float>, expAvgSq v: UnsafeMutablePointer<Float>,
                           count: Int, _ c: Coefficients) {
    var k = cliptune_adam_coefficients(
      decay: c.decay, l2: c.l2, lerp_weight: c.lerpWeight, lerp_small: c.lerpSmall ? 1 : 0,
      one_minus_weight: c.oneMinusWeight, beta2: c.beta2, one_minus_beta2: c.oneMinusBeta2, bc2_sqrt: c.bc2Sqrt,
      eps: c.eps, neg_step_size: c.negStepSize)
    let ptrs = UnsafeSendable((g, p, m, v))
    KernelProfile.measure(.adam) {
      withUnsafePointer(to: &k) { kp in
        let ks = UnsafeSendable(kp)
        Parallel.forEach(count, grain: 1 << 15) { r in
          let (g, p, m, v) = ptrs.pointer, o = r.lowerBound
          cliptune_adam_update(g + o, p + o, m + o, v + o, r.count, ks.pointer)
        }
      }
    }
  }
}
