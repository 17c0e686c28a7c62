/// When a GEMM on the oneDNN backend goes through oneDNN's matmul primitive (CDNNLMatmul) instead
/// of `dnnl_sgemm`.
///
/// Only x·Wᵀ products (A not transposed, B transposed: every `Linear` forward), chosen by shape alone
/// (so a product's bits never depend on the thread count or on where it is called; attention's
/// per-head products opt out, `BLAS.gemm(matmulPrimitive:)`), with every side ≥ 64, and either a reduction longer than
/// the output row (K > N: fc2) or an output of at most 1.4 M elements. That is where the primitive's
/// brgemm kernels beat `dnnl_sgemm`'s 'T' path, by up to 1.4× (K = 2048: 417 against 305 GFLOP/s
/// at M = 640); for larger outputs with K ≤ N `dnnl_sgemm` is as fast or faster. Measured on the
/// 2-core AMD EPYC (docs/performance.md, `bench gemm`). Both are bit-identical across thread counts
/// on every step shape tried.
public enum OneDNNMatmul {
  /// The smallest side worth a primitive (rank-16 LoRA products and per-head products stay on sgemm).
  public static let minimumSide = 64
  /// Output elements up to which the primitive is used when K ≤ N.
  public static let maximumOutput = 1_400_000

  /// True when `BLAS.gemm` on oneDNN should use the matmul primitive for this problem.
  @inlinable
  public static func isFaster(transA: Bool, transB: Bool, m: Int, n: Int, k: Int) -> Bool {
    !transA && transB && Swift.min(m, n, k) >= minimumSide && (k > n || m * n <= maximumOutput)
  }
}
