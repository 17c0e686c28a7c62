/// Single-threaded matrix products for the small per-head GEMMs of attention ([T, Dh] · [Dh, T] and
/// [T, T] · [T, Dh], T ≲ 256), run on the calling worker thread.
///
/// Attention runs its (batch, head) pairs in parallel on our own workers; calling the BLAS library
/// from those workers would either nest BLAS's thread pool inside ours or need its process-global
/// thread count flipped during computation (which races with any other thread's GEMM). These
/// kernels need neither. Every output element is `alpha · Σ_p a[i,p] · b[p,j]` summed in order
/// p = 0, 1, …, k−1, so results never depend on threads, load or memory alignment.
///
/// All matrices are row-major with explicit row strides (`lda`, `ldb`, `ldc`), as in `BLAS.gemm`.
public enum SmallGEMM {
  /// `C = alpha · A · B` with A: [m, k], B: [k, n], C: [m, n] (overwritten).
  @inlinable
  public static func nn(
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let wide = n - n % 8
    var i = 0
    // 4 rows × 8 columns of C held in registers across the whole k loop.
    while i + 4 <= m {
      var j = 0
      while j < wide {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
        let a0 = a + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        for p in 0..<k {
          let bv = UnsafeRawPointer(b + p * ldb + j).loadUnaligned(as: SIMD8<Float>.self)
          c0 += a0[p] * bv; c1 += a1[p] * bv; c2 += a2[p] * bv; c3 += a3[p] * bv
        }
        store(alpha * c0, c + i * ldc + j); store(alpha * c1, c + (i + 1) * ldc + j)
        store(alpha * c2, c + (i + 2) * ldc + j); store(alpha * c3, c + (i + 3) * ldc + j)
        j += 8
      }
      for r in i..<(i + 4) { tail(row: r, from: wide, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc) }
      i += 4
    }
    while i < m {
      var j = 0
      while j < wide {
        var c0 = SIMD8<Float>()
        let a0 = a + i * lda
        for p in 0..<k { c0 += a0[p] * UnsafeRawPointer(b + p * ldb + j).loadUnaligned(as: SIMD8<Float>.self) }
        store(alpha * c0, c + i * ldc + j)
        j += 8
      }
      tail(row: i, from: wide, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
      i += 1
    }
  }

  /// `C = alpha · A · Bᵀ` with A: [m, k], B: [n, k], C: [m, n]; `scratch` holds k·n floats (Bᵀ).
  @inlinable
  public static func nt(
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, scratch: UnsafeMutablePointer<Float>
  ) {
    transpose(b, rows: n, cols: k, ld: ldb, into: scratch)
    nn(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: scratch, ldb: n, c: c, ldc: ldc)
  }

  /// `C = alpha · Aᵀ · B` with A: [k, m], B: [k, n], C: [m, n]; `scratch` holds m·k floats (Aᵀ).
  @inlinable
  public static func tn(
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, scratch: UnsafeMutablePointer<Float>
  ) {
    transpose(a, rows: k, cols: m, ld: lda, into: scratch)
    nn(m: m, n: n, k: k, alpha: alpha, a: scratch, lda: k, b: b, ldb: ldb, c: c, ldc: ldc)
  }

  /// out: [cols, rows] (dense) = xᵀ for x: [rows, cols] with row stride `ld`.
  @inlinable
  static func transpose(_ x: UnsafePointer<Float>, rows: Int, cols: Int, ld: Int, into out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
      let src = x + r * ld
      for col in 0..<cols { out[col * rows + r] = src[col] }
    }
  }

  /// Columns `from..<n` of row `row`, one at a time (same summation order as the wide part).
  @inlinable
  static func tail(
    row: Int, from: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard from < n else { return }
    let ar = a + row * lda
    for j in from..<n {
      var s: Float = 0
      for p in 0..<k { s += ar[p] * b[p * ldb + j] }
      c[row * ldc + j] = alpha * s
    }
  }

  @inlinable
  static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
  }
}
