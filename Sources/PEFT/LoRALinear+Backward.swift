import Layers
import Tensors

extension LoRALinear {
  /// dy: [..., out] → dx: [..., in] (or nil when `inputGradient` is false). With h = drop(x) Aᵀ:
  ///
  ///     dB += scaling · dyᵀ h              [out, r]
  ///     dh  = scaling · dy B               [N, r]
  ///     dA += dhᵀ drop(x)                  [r, in]
  ///     dx  = dy W  +  (dh A) ⊙ dropout scales
  ///
  /// The base contributes dy W (and its own gradients only if someone unfroze it). Consumes the
  /// caches of the last training forward.
  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    precondition(dy.shape.last == outFeatures, "\(moduleName): upstream gradient \(dy.shape) for \(outFeatures) outputs")
    let n = dy.count / outFeatures, (i, o, r) = (inFeatures, outFeatures, rank)
    let needHiddenGradient = loraA.trainable || inputGradient
    let (input, hidden, dropoutStart) = takeCaches()
    var dh = Tensor(uninitialized: needHiddenGradient ? [n, r] : [0])
    dy.data.withUnsafeBufferPointer { g in
      if loraB.trainable {
        guard let hidden else { preconditionFailure("\(moduleName): backward without a training forward") }
        hidden.data.withUnsafeBufferPointer { h in
          loraB.writeOrAccumulateGradient { db, beta in  // dB (+)= scaling · dyᵀ h
            BLAS.gemm(transA: true, m: o, n: r, k: n, alpha: scaling, a: g.baseAddress!, lda: o,
                      b: h.baseAddress!, ldb: r, beta: beta, c: db, ldc: r)
          }
        }
      }
      guard needHiddenGradient else { return }
      loraB.value.data.withUnsafeBufferPointer { b in  // dh = scaling · dy B
        dh.data.withUnsafeMutableBufferPointer { d in
          BLAS.gemm(m: n, n: r, k: o, alpha: scaling, a: g.baseAddress!, lda: o, b: b.baseAddress!, ldb: r,
                    c: d.baseAddress!, ldc: r)
        }
      }
    }
    if loraA.trainable {
      guard var dropped = input else { preconditionFailure("\(moduleName): backward without a training forward") }
      if let dropoutStart {  // drop(x), rebuilt from the mask's draws for this product only
        dropped = Self.dropout(dropped, startingAt: dropoutStart, p: dropout)
      }
      dh.data.withUnsafeBufferPointer { d in
        dropped.data.withUnsafeBufferPointer { xp in
          loraA.writeOrAccumulateGradient { da, beta in  // dA (+)= dhᵀ drop(x)
            BLAS.gemm(transA: true, m: r, n: i, k: n, a: d.baseAddress!, lda: r, b: xp.baseAddress!, ldb: i,
                      beta: beta, c: da, ldc: i)
          }
        }
      }
    }
    guard var dx = base.backward(dy, inputGradient: inputGradient) else { return nil }  // dy W
    dh.data.withUnsafeBufferPointer { d in
      loraA.value.data.withUnsafeBufferPointer { a in
        dx.data.withUnsafeMutableBufferPointer { dxp in
          if let dropoutStart {  // dx += (dh A) ⊙ dropout scales
            var path = [Float](unsafeUninitializedCapacity: n * i) { _, c in c = n * i }
            path.withUnsafeMutableBufferPointer { p in
              BLAS.gemm(m: n, n: i, k: r, a: d.baseAddress!, lda: r, b: a.baseAddress!, ldb: i, c: p.baseAddress!, ldc: i)
              DropoutRNG.apply(startingAt: dropoutStart, p: dropout, from: p.baseAddress!, to: dxp.baseAddress!,
                               count: n * i, accumulate: true)
            }
          } else {  // dx += dh A
            BLAS.gemm(m: n, n: i, k: r, a: d.baseAddress!, lda: r, b: a.baseAddress!, ldb: i,
                      beta: 1, c: dxp.baseAddress!, ldc: i)
          }
        }
      }
    }
    return dx
  }
}
