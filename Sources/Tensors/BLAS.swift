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
}

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
}
