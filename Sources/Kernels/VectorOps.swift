import CKernels

/// Small SIMD vector primitives shared by the kernels.
public enum VectorOps {
  /// Σ a[i]·b[i] with 8-wide SIMD accumulators.
  @inlinable
  public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>.zero
    var i = 0
    while i + 8 <= n {
      let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
      let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
      acc += x * y
      i += 8
    }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
  }

  /// Σ a[i] with 16 SIMD partial sums.
  @inlinable
  public static func sum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD16<Float>.zero
    var i = 0
    while i + 16 <= n {
      acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
      i += 16
    }
    var s = acc.sum()
    while i < n { s += a[i]; i += 1 }
    return s
  }

  /// Σ (a[i] − mean)² with 16 SIMD partial sums.
  @inlinable
  public static func sumOfSquaredDeviations(_ a: UnsafePointer<Float>, _ n: Int, from mean: Float) -> Float {
    var acc = SIMD16<Float>.zero
    let m = SIMD16<Float>(repeating: mean)
    var i = 0
    while i + 16 <= n {
      let d = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self) - m
      acc += d * d
      i += 16
    }
    var s = acc.sum()
    while i < n { let d = a[i] - mean; s += d * d; i += 1 }
    return s
  }

  /// out[j] += Σ_r a[r·columns + j], rows in order (a bias gradient; CKernels).
  public static func addColumnSums(_ a: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
    KernelProfile.measure(.biasGradient) { cliptune_add_column_sums(a, rows, columns, out) }
  }
}
