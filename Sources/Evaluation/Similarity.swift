import Tensors

/// Row normalisation and the similarity GEMM used by the metrics.
///
/// `scores` is a plain row-parallel loop for now; it is the one place to switch to the BLAS matmul
/// in Tensors once that exists.
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
          let norm = dot(row, row, dim).squareRoot()
          let scale = 1 / max(norm, 1e-12)
          for k in 0..<dim { row[k] *= scale }
        }
      }
    }
    return out
  }

  /// a: [R, D], b: [C, D] → a · bᵀ: [R, C]
  static func scores(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1], "scores: \(a.shape) vs \(b.shape)")
    let rows = a.shape[0], cols = b.shape[0], dim = a.shape[1]
    var out = [Float](repeating: 0, count: rows * cols)
    a.data.withUnsafeBufferPointer { pa in
      b.data.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { po in
          let (pa, pb, po) = (pa.baseAddress, pb.baseAddress, po.baseAddress)
          Parallel.forEach(rows, grain: max(1, 4096 / max(cols, 1))) { range in
            for i in range {
              let ai = pa! + i * dim, oi = po! + i * cols
              for j in 0..<cols { oi[j] = dot(ai, pb! + j * dim, dim) }
            }
          }
        }
      }
    }
    return Tensor(shape: [rows, cols], data: out)
  }

  /// Σ x[k]·y[k] over `n` elements (8 partial sums, so the loop vectorises).
  @inline(__always)
  static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD8<Float>()
    var k = 0
    let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
    while k + 8 <= n {
      acc += rx.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
        * ry.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
      k += 8
    }
    var sum = acc.sum()
    while k < n {
      sum += x[k] * y[k]
      k += 1
    }
    return sum
  }

  @inline(__always)
  static func dot(_ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    dot(UnsafePointer(x), UnsafePointer(y), n)
  }
}
