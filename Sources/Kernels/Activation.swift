import CKernels
import Foundation

/// Pointwise activations used by CLIP and GPT-2 MLPs, named as in Hugging Face configs.
public enum Activation: String, Sendable, CaseIterable {
  /// x · σ(1.702 x)  (OpenAI CLIP)
  case quickGELU = "quick_gelu"
  /// x · Φ(x) with the exact error function (`nn.functional.gelu`)
  case gelu = "gelu"
  /// tanh approximation (`gelu_new`, `gelu_pytorch_tanh`)
  case geluTanh = "gelu_pytorch_tanh"

  /// Parses a Hugging Face `hidden_act` string.
  public init?(huggingFace name: String) {
    switch name {
    case "quick_gelu": self = .quickGELU
    case "gelu": self = .gelu
    case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
    default: return nil
    }
  }

  /// f(x) for one value.
  @inlinable
  public func callAsFunction(_ x: Float) -> Float {
    switch self {
    case .quickGELU: return x / (1 + expf(-1.702 * x))
    case .gelu: return 0.5 * x * (1 + erff(x * 0.70710678118654752))
    case .geluTanh:
      return 0.5 * x * (1 + tanhf(0.79788456080286536 * (x + 0.044715 * x * x * x)))
    }
  }

  /// f'(x) for one value.
  @inlinable
  public func derivative(_ x: Float) -> Float {
    switch self {
    case .quickGELU:
      let s = 1 / (1 + expf(-1.702 * x))
      return s + 1.702 * x * s * (1 - s)
    case .gelu:
      let cdf = 0.5 * (1 + erff(x * 0.70710678118654752))
      let pdf = expf(-0.5 * x * x) * 0.39894228040143268
      return cdf + x * pdf
    case .geluTanh:
      let c: Float = 0.79788456080286536
      let u = c * (x + 0.044715 * x * x * x)
      let t = tanhf(u)
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    }
  }

  /// Applies the activation to `count` values in place, in parallel (CKernels, on the CPU's widest
  /// vectors). It uses FastMath's exp, erf and tanh polynomials, so its values can differ in the last
  /// bits from `callAsFunction`, which calls libm.
  public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let xs = UnsafeSendable(x), kind = cKind
    KernelProfile.measure(.activation) {
      Parallel.forEach(count, grain: 16384) { range in
        cliptune_activation_forward(kind, xs.pointer + range.lowerBound, range.count)
      }
    }
  }

  /// The kind's number in CKernels.
  var cKind: Int32 {
    switch self {
    case .quickGELU: Int32(CLIPTUNE_QUICK_GELU)
    case .gelu: Int32(CLIPTUNE_GELU)
    case .geluTanh: Int32(CLIPTUNE_GELU_TANH)
    }
  }
}

extension Activation {
  /// Multiplies `grad` by f'(x) element-wise, in place (the activation's backward; CKernels).
  public func backward(x: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>, count: Int) {
    let xs = UnsafeSendable(x), gs = UnsafeSendable(grad), kind = cKind
    KernelProfile.measure(.activationBackward) {
      Parallel.forEach(count, grain: 16384) { range in
        cliptune_activation_backward(kind, xs.pointer + range.lowerBound, gs.pointer + range.lowerBound, range.count)
      }
    }
  }
}
