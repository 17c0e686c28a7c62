import Tensors

/// Layer normalisation over the last dimension with learned scale γ and shift β.
/// x: [..., D] → y: [..., D]
public final class LayerNorm: ParameterContainer {
  public let weight: Parameter  // γ [D]
  public let bias: Parameter    // β [D]
  public let eps: Float

  public init(_ prefix: String, dim: Int, eps: Float = 1e-5) {
    weight = Parameter("\(prefix).weight", Tensor(repeating: 1, shape: [dim]))
    bias = Parameter("\(prefix).bias", Tensor(zeros: [dim]))
    self.eps = eps
  }

  public var dim: Int { weight.shape[0] }
  public var parameters: [Parameter] { [weight, bias] }

  public func forward(_ x: Tensor) -> Tensor {
    precondition(x.shape.last == dim, "LayerNorm(\(dim)) got \(x.shape)")
    var y = Tensor(zeros: x.shape)
    x.data.withUnsafeBufferPointer { xp in
      weight.value.data.withUnsafeBufferPointer { g in
        bias.value.data.withUnsafeBufferPointer { b in
          y.data.withUnsafeMutableBufferPointer { yp in
            LayerNormKernel.forward(
              x: xp.baseAddress!, gamma: g.baseAddress!, beta: b.baseAddress!, y: yp.baseAddress!,
              rows: x.count / dim, dim: dim, eps: eps)
          }
        }
      }
    }
    return y
  }
}
