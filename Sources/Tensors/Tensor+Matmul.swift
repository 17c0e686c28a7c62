extension Tensor {
  /// `self · otherᵀ (+ bias)` for `self`: [..., K], `other`: [N, K], `bias`: [N] → [..., N]
  /// (the `Linear` layout). The bias is written first and the GEMM accumulates onto it.
  public func matmul(transposed other: Tensor, bias: Tensor? = nil) -> Tensor {
    let k = shape.last!
    precondition(other.rank == 2 && other.shape[1] == k, "matmul: \(shape) · \(other.shape)ᵀ")
    let m = count / max(k, 1), n = other.shape[0]
    var out = Tensor(uninitialized: Array(shape.dropLast()) + [n])
    if let bias {
      precondition(bias.count == n, "matmul bias: \(bias.shape) for \(n) outputs")
      out.data.withUnsafeMutableBufferPointer { c in
        bias.data.withUnsafeBufferPointer { b in
          for row in 0..<m { (c.baseAddress! + row * n).update(from: b.baseAddress!, count: n) }
        }
      }
    }
    data.withUnsafeBufferPointer { a in
      other.data.withUnsafeBufferPointer { b in
        out.data.withUnsafeMutableBufferPointer { c in
          BLAS.gemm(transB: true, m: m, n: n, k: k, a: a.baseAddress!, lda: k,
                    b: b.baseAddress!, ldb: k, beta: bias == nil ? 0 : 1, c: c.baseAddress!, ldc: n)
        }
      }
    }
    return out
  }

  /// `self · other` for `self`: [M, K] and `other`: [K, N] → [M, N].
  public func matmul(_ other: Tensor) -> Tensor {
    precondition(rank == 2 && other.rank == 2 && shape[1] == other.shape[0], "matmul: \(shape) · \(other.shape)")
    let m = shape[0], k = shape[1], n = other.shape[1]
    var out = Tensor(uninitialized: [m, n])
    data.withUnsafeBufferPointer { a in
      other.data.withUnsafeBufferPointer { b in
        out.data.withUnsafeMutableBufferPointer { c in
          BLAS.gemm(m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n,
                    c: c.baseAddress!, ldc: n)
        }
      }
    }
    return out
  }

  /// `selfᵀ · other` for `self`: [K, M] and `other`: [K, N] → [M, N].
  public func transposedMatmul(_ other: Tensor) -> Tensor {
    precondition(rank == 2 && other.rank == 2 && shape[0] == other.shape[0], "matmul: \(shape)ᵀ · \(other.shape)")
    let k = shape[0], m = shape[1], n = other.shape[1]
    var out = Tensor(uninitialized: [m, n])
    data.withUnsafeBufferPointer { a in
      other.data.withUnsafeBufferPointer { b in
        out.data.withUnsafeMutableBufferPointer { c in
          BLAS.gemm(transA: true, m: m, n: n, k: k, a: a.baseAddress!, lda: m, b: b.baseAddress!, ldb: n,
                    c: c.baseAddress!, ldc: n)
        }
      }
    }
    return out
  }
}
