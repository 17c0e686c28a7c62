import Tensors

/// GPT-2's `Conv1D` (transformers.pytorch_utils): a linear layer whose weight is stored [in, out],
/// the transpose of `nn.Linear`'s. y = x W + b.   x: [..., in] → y: [..., out]; W: [in, out], b: [out].
///
/// Backward: dW (+)= xᵀ dy  [in, out];  db += Σ_rows dy;  dx = dy Wᵀ  [..., in].
public final class Conv1D: LinearLayer {
  public let weight: Parameter  // [in, out]
  public let bias: Parameter    // [out]
  private var cachedInput: Tensor?

  /// A zero-initialised layer named `prefix` (parameters `prefix.weight` [in, out], `prefix.bias`).
  public init(_ prefix: String, inFeatures: Int, outFeatures: Int) {
    weight = Parameter("\(prefix).weight", Tensor(zeros: [inFeatures, outFeatures]))
    bias = Parameter("\(prefix).bias", Tensor(zeros: [outFeatures]))
  }

  public var inFeatures: Int { weight.shape[0] }
  public var outFeatures: Int { weight.shape[1] }
  public var parameters: [Parameter] { [weight, bias] }

  public func forward(_ x: Tensor, training: Bool) -> Tensor {
    let (i, o) = (inFeatures, outFeatures)
    precondition(x.shape.last == i, "\(weight.name): input \(x.shape) for \(i) features")
    cachedInput = training && weight.trainable ? x : nil  // x is only needed for dW
    let n = x.count / i
    var y = Tensor(uninitialized: Array(x.shape.dropLast()) + [o])
    y.data.withUnsafeMutableBufferPointer { yp in
      bias.value.data.withUnsafeBufferPointer { bp in
        for r in 0..<n { (yp.baseAddress! + r * o).update(from: bp.baseAddress!, count: o) }
      }
      x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
          BLAS.gemm(m: n, n: o, k: i, a: xp.baseAddress!, lda: i, b: wp.baseAddress!, ldb: o, beta: 1,
                    c: yp.baseAddress!, ldc: o)
        }
      }
    }
    return y
  }

  public func releaseCachedInput() -> Bool {
    defer { cachedInput = nil }
    return cachedInput != nil
  }

  public func restoreCachedInput(_ x: Tensor) { cachedInput = x }

  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    let (i, o) = (inFeatures, outFeatures), n = dy.count / o
    dy.data.withUnsafeBufferPointer { g in
      if weight.trainable {
        guard let x = cachedInput else { preconditionFailure("\(weight.name): backward without a training forward") }
        x.data.withUnsafeBufferPointer { xp in
          weight.writeOrAccumulateGradient { dw, beta in  // dW (+)= xᵀ · dy   [in, out]
            BLAS.gemm(transA: true, m: i, n: o, k: n, a: xp.baseAddress!, lda: i, b: g.baseAddress!, ldb: o,
                      beta: beta, c: dw, ldc: o)
          }
        }
      }
      if bias.trainable {
        bias.accumulateGradient { db in for r in 0..<n { for j in 0..<o { db[j] += g[r * o + j] } } }
      }
    }
    cachedInput = nil
    guard inputGradient else { return nil }
    var dx = Tensor(uninitialized: Array(dy.shape.dropLast()) + [i])  // dx = dy · Wᵀ   [..., in]
    dy.data.withUnsafeBufferPointer { g in
      weight.value.data.withUnsafeBufferPointer { w in
        dx.data.withUnsafeMutableBufferPointer { d in
          BLAS.gemm(transB: true, m: n, n: i, k: o, a: g.baseAddress!, lda: o, b: w.baseAddress!, ldb: o, c: d.baseAddress!, ldc: i)
        }
      }
    }
    return dx
  }
}

extension Conv1D: DenseLayer {
  public var weightIsTransposed: Bool { true }
}
