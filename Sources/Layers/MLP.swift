import Tensors

/// Two-layer perceptron `fc2(act(fc1(x)))`.  x: [..., C] → [..., C]; hidden width I.
public final class MLP: ParameterContainer {
  public var fc1: LinearLayer  // C → I
  public var fc2: LinearLayer  // I → C
  public let activation: Activation
  private var preActivation: Tensor?
  private var fc2InputReleased = false  // fc2 let go of f(h); backward recomputes it

  public init(_ prefix: String, dim: Int, hidden: Int, activation: Activation) {
    fc1 = Linear("\(prefix).fc1", inFeatures: dim, outFeatures: hidden)
    fc2 = Linear("\(prefix).fc2", inFeatures: hidden, outFeatures: dim)
    self.activation = activation
  }

  /// An MLP of the given layers (GPT-2's `c_fc` and `c_proj`, Conv1D layout).
  public init(fc1: LinearLayer, fc2: LinearLayer, activation: Activation) {
    self.fc1 = fc1
    self.fc2 = fc2
    self.activation = activation
  }

  public var parameters: [Parameter] { fc1.parameters + fc2.parameters }

  /// x: [..., C] → [..., C]. With `training`, keeps the pre-activation h for `backward`, and not
  /// f(h): fc2 lets go of its copy of f(h) (kept for its weight gradient) and gets it back,
  /// recomputed from h, just before its backward. One [..., I] tensor per MLP instead of two
  /// stays alive between forward and backward (ViT-B/32, batch 32: 20 MB per vision layer), for one
  /// more activation pass; the recomputed f(h) has the forward's bits.
  public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
    var h = fc1.forward(x, training: training)  // [..., I]
    preActivation = training ? h : nil
    let n = h.count
    h.data.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: n) }
    let y = fc2.forward(h, training: training)
    fc2InputReleased = training && fc2.releaseCachedInput()
    return y
  }

  /// dy: [..., C] → dx (when `inputGradient`).
  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    guard let h = preActivation else { preconditionFailure("mlp: backward without a training forward") }
    preActivation = nil
    if fc2InputReleased {  // f(h) again, for fc2's weight gradient
      var a = h
      let n = a.count
      a.data.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: n) }
      fc2.restoreCachedInput(a)
      fc2InputReleased = false
    }
    var dh = fc2.backward(dy, inputGradient: true)!  // [..., I]
    let n = dh.count
    h.data.withUnsafeBufferPointer { hp in
      dh.data.withUnsafeMutableBufferPointer { activation.backward(x: hp.baseAddress!, grad: $0.baseAddress!, count: n) }
    }
    return fc1.backward(dh, inputGradient: inputGradient)
  }
}
