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
    Parallel.forEach(rows, grain: max(1, 16384 / max(dim, 1))) { range in
      for r in range {
        let xr = xs.pointer + r * dim, yr = ys.pointer + r * dim
        // Two passes (mean, then squared deviations) keep float accumulation accurate even for
        // rows with a large common offset.
        let m = VectorOps.sum(xr, dim) / Float(dim)
        let variance = VectorOps.sumOfSquaredDeviations(xr, dim, from: m) / Float(dim)
        let inv = 1 / (variance + eps).squareRoot()
        if let b {
          for i in 0..<dim { yr[i] = (xr[i] - m) * inv * g.pointer[i] + b.pointer[i] }
        } else {
          for i in 0..<dim { yr[i] = (xr[i] - m) * inv * g.pointer[i] }
        }
        ms?.pointer[r] = m
        rs?.pointer[r] = inv
      }
    }
  }
}

/// A raw pointer that may cross into `Parallel.forEach` workers; each worker touches disjoint rows.
public struct UnsafeSendable<P>: @unchecked Sendable {
  public let pointer: P
  @inlinable public init(_ pointer: P) { self.pointer = pointer }
}
