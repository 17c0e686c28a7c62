/// Attention's per-(batch, head) products, run on the calling thread (attention runs its heads in
/// parallel, `Parallel.forEach`): oneDNN's sgemm with one thread when oneDNN is the GEMM backend
/// (about 2–4× `SmallGEMM` on 50×50×64 and 197×197×64 here, `cliptune bench gemm`), otherwise
/// `SmallGEMM` (OpenBLAS's own pool would nest inside ours). Either way a product never depends on
/// the thread count. Arguments as `SmallGEMM`'s (row-major, explicit row strides, C overwritten).
enum HeadGEMM {
  static var useBLAS: Bool { ComputeContext.gemmBackend == .onednn }

  /// C = alpha · A · B.
  static func nn(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 c: UnsafeMutablePointer<Float>, ldc: Int, useBLAS: Bool) {
    if useBLAS {
      BLAS.gemm(on: .onednn, threads: 1, transA: false, transB: false, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: 0, c: c, ldc: ldc, matmulPrimitive: false)
    } else {
      SmallGEMM.nn(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
    }
  }

  /// C = alpha · A · Bᵀ; `scratch` (k·n floats) is used by `SmallGEMM` only.
  static func nt(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 c: UnsafeMutablePointer<Float>, ldc: Int, scratch: UnsafeMutablePointer<Float>, useBLAS: Bool) {
    if useBLAS {
      BLAS.gemm(on: .onednn, threads: 1, transA: false, transB: true, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: 0, c: c, ldc: ldc, matmulPrimitive: false)
    } else {
      SmallGEMM.nt(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, scratch: scratch)
    }
  }

  /// C = alpha · Aᵀ · B; `scratch` (m·k floats) is used by `SmallGEMM` only.
  static func tn(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 c: UnsafeMutablePointer<Float>, ldc: Int, scratch: UnsafeMutablePointer<Float>, useBLAS: Bool) {
    if useBLAS {
      BLAS.gemm(on: .onednn, threads: 1, transA: true, transB: false, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                beta: 0, c: c, ldc: ldc, matmulPrimitive: false)
    } else {
      SmallGEMM.tn(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, scratch: scratch)
    }
  }
}
