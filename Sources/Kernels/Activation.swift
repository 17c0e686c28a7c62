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

  /// Applies the activation to `count` values in place, in parallel. Each activation has its own
  /// loop over `FastMath` (exp, erf, tanh), so every loop vectorises.
  public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
    let xs = UnsafeSendable(x), f = self
    Parallel.forEach(count, grain: 16384) { range in
      let p = xs.pointer
      switch f {
      case .quickGELU:
        for i in range { let v = p[i]; p[i] = v / (1 + FastMath.exp(-1.702 * v)) }
      case .gelu:
        for i in range { let v = p[i]; p[i] = 0.5 * v * (1 + FastMath.erf(v * 0.70710678118654752)) }
      case .geluTanh:
        for i in range {
          let v = p[i]
          p[i] = 0.5 * v * (1 + FastMath.tanh(0.79788456080286536 * (v + 0.044715 * v * v * v)))
        }
      }
    }
  }

}

extension Activation {
  /// Multiplies `grad` by f'(x) element-wise, in place (the activation's backward).
  public func backward(x: UnsafePointer<Float>, grad: UnsafeMutablePointer<Float>, count: Int) {
    let xs = UnsafeSendable(x), gs = UnsafeSendable(grad), f = self
    Parallel.forEach(count, grain: 16384) { range in
      let xp = xs.pointer, g = gs.pointer
      switch f {
      case .quickGELU:
        for i in range {
          let v = xp[i], s = 1 / (1 + FastMath.exp(-1.702 * v))
          g[i] *= s + 1.702 * v * s * (1 - s)
        }
      case .gelu:
        for i in range {
          let v = xp[i]
          let cdf = 0.5 * (1 + FastMath.erf(v * 0.70710678118654752))
          g[i] *= cdf + v * FastMath.exp(-0.5 * v * v) * 0.39894228040143268
        }
      case .geluTanh:
        for i in range {
          let v = xp[i], c: Float = 0.79788456080286536
          let t = FastMath.tanh(c * (v + 0.044715 * v * v * v))
          g[i] *= 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)
        }
      }
    }
  }
}
