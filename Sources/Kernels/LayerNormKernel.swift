import CKernels

/// Layer normalisation over the last dimension:  y = (x − mean) / sqrt(var + eps) · γ + β.
public enum LayerNormKernel {
  /// x, y: [rows, dim]; gamma, beta: [dim]. Writes the per-row mean and 1/σ when asked (for backward).
  public static func forward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, rows: Int, dim: Int, eps: Float,
    mean: UnsafeMutablePointer<Float>? = nil, rstd: UnsafeMutablePointer<Float>? = nil
  ) {
    let xs = UnsafeSendable(x), ys = UnsafeSendable(y), g = UnsafeSendable(gamma)
    let b = beta.map(UnsafeSendable.init), ms = mean.map(UnsafeSendable.init), rs = rstd.map(UnsafeSendable.init)
    KernelProfile.measure(.layerNorm) {
      Parallel.forEach(rows, grain: max(1, 16384 / max(dim, 1))) { range in
        for r in range {
          let xr = xs.pointer + r * dim, yr = ys.pointer + r * dim
          // Two passes (mean, then squared deviations) keep float accumulation accurate even for
          // rows with a large common offset.
          let m = VectorOps.sum(xr, dim) / Float(dim)
          let variance = VectorOps.sumOfSquaredDeviations(xr, dim, from: m) / Float(dim)
          let inv = 1 / (variance + eps).squareRoot()
          cliptune_layernorm_normalize(xr, g.pointer, b?.pointer, yr, dim, m, inv)
          ms?.pointer[r] = m
          rs?.pointer[r] = inv
        }
      }
    }
  }
}

/// A raw pointer that may cross into `Parallel.forEach` workers; each worker touches disjoint rows.
public struct UnsafeSendable<P>: @unchecked Sendable {
  public let pointer: P
  @inlinable public init(_ pointer: P) { self.pointer = pointer }
}

extension LayerNormKernel {
  /// Gradients of layer normalisation given the forward's input, per-row mean and 1/σ.
  /// dx (optional): [rows, dim] = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, x̂ = (x − mean)·rstd.
  /// dGamma += Σ_rows dy·x̂, dBeta += Σ_rows dy (each optional).
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
    gamma: UnsafePointer<Float>, rows: Int, dim: Int,
    dx: UnsafeMutablePointer<Float>?, dGamma: UnsafeMutablePointer<Float>?, dBeta: UnsafeMutablePointer<Float>?
  ) {
    KernelProfile.measure(.layerNormBackward) {
      if dGamma != nil || dBeta != nil {
        cliptune_layernorm_parameter_gradients(dy, x, mean, rstd, rows, dim, dGamma, dBeta)
      }
      guard let dx else { return }
      let dys = UnsafeSendable(dy), xs = UnsafeSendable(x), ms = UnsafeSendable(mean), rs = UnsafeSendable(rstd)
      let gs = UnsafeSendable(gamma), dxs = UnsafeSendable(dx)
      Parallel.forEach(rows, grain: max(1, 8192 / max(dim, 1))) { range in
        for r in range {
          let dyr = dys.pointer + r * dim, xr = xs.pointer + r * dim, out = dxs.pointer + r * dim
          cliptune_layernorm_backward_row(dyr, xr, gs.pointer, out, dim, ms.pointer[r], rs.pointer[r])
        }
      }
    }
  }
}
