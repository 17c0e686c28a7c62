import Layers
import Tensors

extension LoRALinear {
  /// The update the LoRA path adds to the base weight: scaling · B A   [out, in].
  public func deltaWeight() -> Tensor {
    let (i, o, r) = (inFeatures, outFeatures, rank)
    var delta = Tensor(uninitialized: [o, i])
    loraB.value.data.withUnsafeBufferPointer { b in
      loraA.value.data.withUnsafeBufferPointer { a in
        delta.data.withUnsafeMutableBufferPointer { d in
          BLAS.gemm(m: o, n: i, k: r, alpha: scaling, a: b.baseAddress!, lda: r, b: a.baseAddress!, ldb: i,
                    c: d.baseAddress!, ldc: i)
        }
      }
    }
    return delta
  }

  /// The update in the base weight's own layout: scaling · B A [out, in] for `Linear`, its
  /// transpose scaling · Aᵀ Bᵀ [in, out] for `Conv1D`.
  public func deltaWeightInBaseLayout() -> Tensor {
    guard base.weightIsTransposed else { return deltaWeight() }
    let (i, o, r) = (inFeatures, outFeatures, rank)
    var delta = Tensor(uninitialized: [i, o])
    loraA.value.data.withUnsafeBufferPointer { a in
      loraB.value.data.withUnsafeBufferPointer { b in
        delta.data.withUnsafeMutableBufferPointer { d in
          BLAS.gemm(transA: true, transB: true, m: i, n: o, k: r, alpha: scaling, a: a.baseAddress!, lda: i,
                    b: b.baseAddress!, ldb: r, c: d.baseAddress!, ldc: o)
        }
      }
    }
    return delta
  }

  /// W ← W + scaling · B A in the base layer ((scaling · B A)ᵀ for a Conv1D's [in, out] weight,
  /// PEFT's `fan_in_fan_out`), which is returned to take this layer's place (PEFT's
  /// `merge_and_unload`). Afterwards this wrapper must not be used for forward passes: its base
  /// already contains the update.
  public func mergeIntoBase() -> DenseLayer {
    base.weight.value.add(deltaWeightInBaseLayout())
    return base
  }
}
