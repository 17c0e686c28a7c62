import Tensors

/// Row normalisation and the similarity GEMM used by the metrics.
enum Similarity {
  /// Each row divided by its L2 norm (clamped at 1e-12, as `F.normalize`).  x: [R, D] → [R, D]
  static func l2NormalizedRows(_ x: Tensor) -> Tensor {
    precondition(x.rank == 2, "expected a [rows, dim] tensor, got \(x.shape)")
    return x.l2NormalizedRows()
  }

  /// a: [R, D], b: [C, D] → a · bᵀ: [R, C]  (one BLAS GEMM)
  static func scores(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "scores: \(a.shape) vs \(b.shape)")
    return a.matmul(transposed: b)
  }
}
