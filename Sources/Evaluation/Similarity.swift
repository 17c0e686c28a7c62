import Tensors

/// Row normalisation and the similarity GEMM used by the metrics.
enum Similarity {
  /// Each row divided by its L2 norm (norms below 1e-12 are clamped, as `F.normalize` does).
  /// x: [R, D] → [R, D]
  static func l2NormalizedRows(_ x: Tensor) -> Tensor {
    precondition(x.rank == 2, "expected a [rows, dim] tensor, got \(x.shape)")
    let rows = x.shape[0], dim = x.shape[1]
    var out = x
    out.data.withUnsafeMutableBufferPointer { buffer in
      let p = buffer.baseAddress
      Parallel.forEach(rows, grain: 64) { range in
        for r in range {
          let row = p! + r * dim
          let norm = VectorOps.dot(row, row, dim).squareRoot()
          let scale = 1 / max(norm, 1e-12)
          for k in 0..<dim { row[k] *= scale }
        }
      }
    }
    return out
  }

  /// a: [R, D], b: [C, D] → a · bᵀ: [R, C]  (one BLAS GEMM)
  static func scores(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "scores: \(a.shape) vs \(b.shape)")
    return a.matmul(transposed: b)
  }
}
