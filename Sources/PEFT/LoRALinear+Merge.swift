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

  /// W ← W + scaling · B A in the base layer, which is returned to take this layer's place
  /// (PEFT's `merge_and_unload`). Afterwards this wrapper must not be used for forward passes:
  /// its base already contains the update.
  public func mergeIntoBase() -> Linear {
    base.weight.value.add(deltaWeight())
    return base
  }
}
