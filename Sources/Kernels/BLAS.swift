#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Thin, typed wrapper over CBLAS `sgemm` (OpenBLAS on Linux, Accelerate on macOS).
/// Every large matrix product in ClipTune goes through here (attention's per-head products use
/// `SmallGEMM`); its thread count is set once by `ComputeContext`.
public enum BLAS {
  /// Row-major `C = alpha · op(A) · op(B) + beta · C` with op(A): [m, k], op(B): [k, n], C: [m, n].
  /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before transposition).
  @inlinable
  public static func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
      // Empty inner dimension: C = beta · C.
      for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
      return
    }
    _ = ComputeContext.threads  // the first GEMM of a process configures the default thread count
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// `gemm` in double precision (`cblas_dgemm`): row-major `C = alpha · op(A) · op(B) + beta · C`.
  /// For solvers that accumulate in Double (the linear probe's logistic loss).
  @inlinable
  public static func dgemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Double = 1,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
      for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
      return
    }
    _ = ComputeContext.threads
    cblas_dgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}
