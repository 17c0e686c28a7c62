#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
import CDNNL
import CDNNLMatmul
import COpenMP
#endif

/// Thin, typed wrapper over the process's GEMM library (`GEMMBackend`: oneDNN or OpenBLAS on
/// Linux, Accelerate on macOS). Every large matrix product in ClipTune goes through here
/// (attention's per-head products go through `HeadGEMM`, decoding's few-row products `DecodeGEMM`); the
/// backend and its thread count are set once by `ComputeContext`.
public enum BLAS {
  /// Row-major `C = alpha · op(A) · op(B) + beta · C` with op(A): [m, k], op(B): [k, n], C: [m, n].
  /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before transposition). With
  /// `beta` 0, C is only written (it may hold anything, NaN included, beforehand).
  @inlinable
  public static func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let settings = ComputeContext.current
    gemm(on: settings.gemm, threads: settings.threads, transA: transA, transB: transB,
         m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
  }

  /// `gemm` on a given backend (for `bench gemm` and the backend parity tests). `threads` applies to
  /// oneDNN, whose OpenMP team is sized per call on the calling thread; OpenBLAS and Accelerate
  /// keep the count `ComputeContext` gave them. Inside a `Parallel.forEach` chunk oneDNN runs on the
  /// calling thread alone (OpenMP does not nest).
  ///
  /// On oneDNN, x·Wᵀ products that `OneDNNMatmul` picks run on its matmul primitive — by shape
  /// alone, never by thread count or calling context, so a product gives the same bits wherever it
  /// is called. `matmulPrimitive: false` keeps a call on `dnnl_sgemm`: attention's per-head
  /// products, which run concurrently inside parallel chunks (the primitive's calls are serialised).
  public static func gemm(
    on backend: GEMMBackend, threads: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, matmulPrimitive: Bool = true
  ) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
      // Empty inner dimension: C = beta · C.
      for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
      return
    }
    #if canImport(Accelerate)
    let profiled = GEMMProfile.enabled
    #else
    let profiled = GEMMProfile.enabled && omp_in_parallel() == 0
    #endif
    guard profiled else {
      return library(backend, threads: threads, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                     b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, matmulPrimitive: matmulPrimitive)
    }
    GEMMProfile.timed(m: m, n: n, k: k) {
      library(backend, threads: threads, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
              b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, matmulPrimitive: matmulPrimitive)
    }
  }

  /// The library call itself (sizes already checked non-empty).
  private static func library(
    _ backend: GEMMBackend, threads: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, matmulPrimitive: Bool
  ) {
    #if canImport(Accelerate)
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    #else
    switch backend {
    case .onednn:
      if omp_in_parallel() == 0 && omp_get_max_threads() != Int32(threads) { omp_set_num_threads(Int32(threads)) }
      if matmulPrimitive && OneDNNMatmul.isFaster(transA: transA, transB: transB, m: m, n: n, k: k) {
        let status = cliptune_matmul_nt(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        precondition(status <= 0, "oneDNN matmul failed (status \(status)) on \(m)×\(n)×\(k)")
        if status == 0 { return }  // else no primitive for this problem: dnnl_sgemm below
      }
      let status = dnnl_sgemm(
        CChar(UInt8(ascii: transA ? "T" : "N")), CChar(UInt8(ascii: transB ? "T" : "N")),
        Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
      precondition(status == dnnl_success, "dnnl_sgemm failed (status \(status.rawValue)) on \(m)×\(n)×\(k)")
    case .openblas, .accelerate:
      cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    #endif
  }

  /// `gemm` in double precision (`cblas_dgemm`, OpenBLAS or Accelerate whatever the backend):
  /// row-major `C = alpha · op(A) · op(B) + beta · C`. For solvers that accumulate in Double (the
  /// linear probe's logistic loss).
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
