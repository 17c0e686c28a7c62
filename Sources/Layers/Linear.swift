import Tensors

/// A map from [..., in] to [..., out]. `Linear` is one; PEFT wrappers (LoRA) are others, so models
/// hold `LinearLayer`s and never need to know which method is active.
public protocol LinearLayer: ParameterContainer {
  var inFeatures: Int { get }
  var outFeatures: Int { get }
  /// x: [..., in] → [..., out]
  func forward(_ x: Tensor) -> Tensor
}

/// y = x Wᵀ + b.   x: [..., in] → y: [..., out]; W: [out, in] (HF layout), b: [out].
public final class Linear: LinearLayer {
  public let weight: Parameter  // [out, in]
  public let bias: Parameter?   // [out]

  /// A zero-initialised layer named `prefix` (parameters `prefix.weight`, `prefix.bias`).
  public init(_ prefix: String, inFeatures: Int, outFeatures: Int, bias: Bool = true) {
    weight = Parameter("\(prefix).weight", Tensor(zeros: [outFeatures, inFeatures]))
    self.bias = bias ? Parameter("\(prefix).bias", Tensor(zeros: [outFeatures])) : nil
  }

  public var inFeatures: Int { weight.shape[1] }
  public var outFeatures: Int { weight.shape[0] }
  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  public func forward(_ x: Tensor) -> Tensor {
    x.matmul(transposed: weight.value, bias: bias?.value)  // [..., out]
  }
}
