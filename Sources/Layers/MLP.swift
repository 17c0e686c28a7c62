import Tensors

/// Two-layer perceptron `fc2(act(fc1(x)))`.  x: [..., C] → [..., C]; hidden width I.
public final class MLP: ParameterContainer {
  public var fc1: LinearLayer  // C → I
  public var fc2: LinearLayer  // I → C
  public let activation: Activation

  public init(_ prefix: String, dim: Int, hidden: Int, activation: Activation) {
    fc1 = Linear("\(prefix).fc1", inFeatures: dim, outFeatures: hidden)
    fc2 = Linear("\(prefix).fc2", inFeatures: hidden, outFeatures: dim)
    self.activation = activation
  }

  public var parameters: [Parameter] { fc1.parameters + fc2.parameters }

  public func forward(_ x: Tensor) -> Tensor {
    var h = fc1.forward(x)  // [..., I]
    let n = h.count
    h.data.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: n) }
    return fc2.forward(h)
  }
}
