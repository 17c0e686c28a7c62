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
    if let dropoutStart {  // fused: each block of the mask regenerated once, for dA and dx
      return fusedDropoutBackward(dy, dh: dh, input: input, startingAt: dropoutStart, inputGradient: inputGradient)
    }
    if loraA.trainable {
      guard let input else { preconditionFailure("\(moduleName): backward without a training forward") }
      dh.data.withUnsafeBufferPointer { d in
        input.data.withUnsafeBufferPointer { xp in
          loraA.writeOrAccumulateGradient { da, beta in  // dA (+)= dhᵀ x
            BLAS.gemm(transA: true, m: r, n: i, k: n, a: d.baseAddress!, lda: r, b: xp.baseAddress!, ldb: i,
                      beta: beta, c: da, ldc: i)
          }
        }
      }
    }
    guard var dx = base.backward(dy, inputGradient: inputGradient) else { return nil }  // dy W
    dh.data.withUnsafeBufferPointer { d in
      loraA.value.data.withUnsafeBufferPointer { a in
        dx.data.withUnsafeMutableBufferPointer { dxp in  // dx += dh A
          BLAS.gemm(m: n, n: i, k: r, a: d.baseAddress!, lda: r, b: a.baseAddress!, ldb: i,
                    beta: 1, c: dxp.baseAddress!, ldc: i)
        }
      }
    }
    return dx
  }

  /// The dropout case of `backward` after dB and dh: dx = dy W (from the base), then in one
  /// `LoRADropoutKernel.backward` pass over row blocks, dA (+)= dhᵀ drop(x) and dx += (dh A) ⊙ scales.
  /// Neither drop(x) nor dh A is ever held at [N, in].
  private func fusedDropoutBackward(_ dy: Tensor, dh: Tensor, input: Tensor?, startingAt start: DropoutRNG.State,
                                    inputGradient: Bool) -> Tensor? {
    let n = dy.count / outFeatures, (i, r) = (inFeatures, rank)
    if loraA.trainable && input == nil { preconditionFailure("\(moduleName): backward without a training forward") }
    var dx = base.backward(dy, inputGradient: inputGradient)  // dy W
    let x = loraA.trainable ? input : nil
    guard x != nil || dx != nil else { return nil }
    func run(_ da: UnsafeMutablePointer<Float>?, beta: Float) {
      dh.data.withUnsafeBufferPointer { d in
        loraA.value.data.withUnsafeBufferPointer { a in
          withOptionalPointer(x) { xp in
            func kernel(_ dxp: UnsafeMutablePointer<Float>?) {
              LoRADropoutKernel.backward(seed: start.seed, counter: start.counter, p: dropout, x: xp, dh: d.baseAddress!,
                                         rows: n, inFeatures: i, a: a.baseAddress!, rank: r, dA: da, dABeta: beta, dx: dxp)
            }
            if dx == nil { kernel(nil) } else { dx!.data.withUnsafeMutableBufferPointer { kernel($0.baseAddress!) } }
          }
        }
      }
    }
    if x != nil { loraA.writeOrAccumulateGradient { da, beta in run(da, beta: beta) } } else { run(nil, beta: 0) }
    return dx
  }
}

/// `body` with the tensor's storage, or with nil.
private func withOptionalPointer<R>(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
  guard let t else { return body(nil) }
  return t.data.withUnsafeBufferPointer { body($0.baseAddress!) }
}
