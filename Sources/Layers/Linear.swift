import Tensors

/// A map from [..., in] to [..., out] with a backward pass. `Linear` is one; PEFT wrappers (LoRA)
/// are others, so models hold `LinearLayer`s and never need to know which method is active.
///
/// Training protocol (every layer in this module follows it): `forward(x, training: true)` keeps
/// what the backward pass needs inside the layer, replacing any earlier cache; `backward(dy, …)`
/// consumes that cache, adds into the `grad` of trainable parameters and returns the input
/// gradient when asked. Inference (`training: false`) caches nothing.
public protocol LinearLayer: ParameterContainer {
  var inFeatures: Int { get }
  var outFeatures: Int { get }
  /// x: [..., in] → [..., out]
  func forward(_ x: Tensor, training: Bool) -> Tensor
  /// dy: [..., out] → dx: [..., in], or nil when `inputGradient` is false (nothing below trains).
  func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor?
  /// Lets go of the input the last training forward kept (for a weight gradient), returning
  /// whether it kept one: a caller that can recompute that input (the MLP: the activation of its
  /// pre-activation) frees it between forward and backward and gives it back with
  /// `restoreCachedInput` before calling `backward`.
  func releaseCachedInput() -> Bool
  /// Gives back, before `backward`, the input `releaseCachedInput` let go of (the same values).
  func restoreCachedInput(_ x: Tensor)
}

extension LinearLayer {
  /// Inference forward.
  public func forward(_ x: Tensor) -> Tensor { forward(x, training: false) }
  /// A layer that cannot let go of its cached input keeps it (and says so).
  public func releaseCachedInput() -> Bool { false }
  public func restoreCachedInput(_ x: Tensor) {}
}

/// y = x Wᵀ + b.   x: [..., in] → y: [..., out]; W: [out, in] (HF layout), b: [out].
public final class Linear: LinearLayer {
  public let weight: Parameter  // [out, in]
  public let bias: Parameter?   // [out]
  private var cachedInput: Tensor?

  /// A zero-initialised layer named `prefix` (parameters `prefix.weight`, `prefix.bias`).
  public init(_ prefix: String, inFeatures: Int, outFeatures: Int, bias: Bool = true) {
    weight = Parameter("\(prefix).weight", Tensor(zeros: [outFeatures, inFeatures]))
    self.bias = bias ? Parameter("\(prefix).bias", Tensor(zeros: [outFeatures])) : nil
  }

  public var inFeatures: Int { weight.shape[1] }
  public var outFeatures: Int { weight.shape[0] }
  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  public func forward(_ x: Tensor, training: Bool) -> Tensor {
    cachedInput = training && weight.trainable ? x : nil  // x is only needed for dW
    return x.matmul(transposed: weight.value, bias: bias?.value)  // [..., out]
  }

  public func releaseCachedInput() -> Bool {
    defer { cachedInput = nil }
    return cachedInput != nil
  }

  public func restoreCachedInput(_ x: Tensor) { cachedInput = x }

  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    let n = dy.count / outFeatures, (i, o) = (inFeatures, outFeatures)
    dy.data.withUnsafeBufferPointer { g in
      if weight.trainable {
        guard let x = cachedInput else { preconditionFailure("\(weight.name): backward without a training forward") }
        x.data.withUnsafeBufferPointer { xp in
          weight.writeOrAccumulateGradient { dw, beta in  // dW (+)= dyᵀ · x   [out, in]
            BLAS.gemm(transA: true, m: o, n: i, k: n, a: g.baseAddress!, lda: o, b: xp.baseAddress!, ldb: i,
                      beta: beta, c: dw, ldc: i)
          }
        }
      }
      if let bias, bias.trainable {
        bias.accumulateGradient { db in VectorOps.addColumnSums(g.baseAddress!, rows: n, columns: o, into: db) }  // db += Σ_rows dy
      }
    }
    cachedInput = nil
    guard inputGradient else { return nil }
    var dx = Tensor(uninitialized: Array(dy.shape.dropLast()) + [i])  // dx = dy · W   [..., in]
    dy.data.withUnsafeBufferPointer { g in
      weight.value.data.withUnsafeBufferPointer { w in
        dx.data.withUnsafeMutableBufferPointer { d in
          BLAS.gemm(m: n, n: i, k: o, a: g.baseAddress!, lda: o, b: w.baseAddress!, ldb: i, c: d.baseAddress!, ldc: i)
        }
      }
    }
    return dx
  }
}

/// A `LinearLayer` with one weight matrix and a bias: `Linear` (weight [out, in]) or GPT-2's
/// `Conv1D` (weight [in, out]). What LoRA wraps and merges into.
public protocol DenseLayer: LinearLayer {
  var weight: Parameter { get }
  /// True when the weight is stored [in, out] (PEFT's `fan_in_fan_out`, GPT-2's Conv1D).
  var weightIsTransposed: Bool { get }
}

extension Linear: DenseLayer {
  public var weightIsTransposed: Bool { false }
}
