import Tensors

/// Layer normalisation over the last dimension with learned scale γ and shift β.
/// x: [..., D] → y: [..., D]
public final class LayerNorm: ParameterContainer {
  public let weight: Parameter  // γ [D]
  public let bias: Parameter    // β [D]
  public let eps: Float
  private var cache: (x: Tensor, mean: [Float], rstd: [Float])?

  public init(_ prefix: String, dim: Int, eps: Float = 1e-5) {
    weight = Parameter("\(prefix).weight", Tensor(repeating: 1, shape: [dim]))
    bias = Parameter("\(prefix).bias", Tensor(zeros: [dim]))
    self.eps = eps
  }

  public var dim: Int { weight.shape[0] }
  public var parameters: [Parameter] { [weight, bias] }

  /// x: [..., D] → [..., D]. With `training`, keeps x and the row statistics for `backward`.
  public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
    precondition(x.shape.last == dim, "LayerNorm(\(dim)) got \(x.shape)")
    let rows = x.count / dim
    var y = Tensor(uninitialized: x.shape)
    var mean = training ? [Float](repeating: 0, count: rows) : []
    var rstd = training ? [Float](repeating: 0, count: rows) : []
    x.data.withUnsafeBufferPointer { xp in
      weight.value.data.withUnsafeBufferPointer { g in
        bias.value.data.withUnsafeBufferPointer { b in
          y.data.withUnsafeMutableBufferPointer { yp in
            mean.withUnsafeMutableBufferPointer { mp in
              rstd.withUnsafeMutableBufferPointer { rp in
                LayerNormKernel.forward(
                  x: xp.baseAddress!, gamma: g.baseAddress!, beta: b.baseAddress!, y: yp.baseAddress!,
                  rows: rows, dim: dim, eps: eps, mean: training ? mp.baseAddress : nil, rstd: training ? rp.baseAddress : nil)
              }
            }
          }
        }
      }
    }
    cache = training ? (x, mean, rstd) : nil
    return y
  }

  /// dy: [..., D] → dx (when `inputGradient`); adds into γ and β gradients when they train.
  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    guard let (x, mean, rstd) = cache else { preconditionFailure("\(weight.name): backward without a training forward") }
    cache = nil
    let rows = x.count / dim
    var dx = inputGradient ? Tensor(uninitialized: x.shape) : nil
    func run(_ dGamma: UnsafeMutablePointer<Float>?, _ dBeta: UnsafeMutablePointer<Float>?) {
      dy.data.withUnsafeBufferPointer { g in
        x.data.withUnsafeBufferPointer { xp in
          mean.withUnsafeBufferPointer { mp in
            rstd.withUnsafeBufferPointer { rp in
              weight.value.data.withUnsafeBufferPointer { w in
                if dx != nil {
                  dx!.data.withUnsafeMutableBufferPointer { d in
                    LayerNormKernel.backward(dy: g.baseAddress!, x: xp.baseAddress!, mean: mp.baseAddress!, rstd: rp.baseAddress!,
                                             gamma: w.baseAddress!, rows: rows, dim: dim, dx: d.baseAddress!, dGamma: dGamma, dBeta: dBeta)
                  }
                } else {
                  LayerNormKernel.backward(dy: g.baseAddress!, x: xp.baseAddress!, mean: mp.baseAddress!, rstd: rp.baseAddress!,
                                           gamma: w.baseAddress!, rows: rows, dim: dim, dx: nil, dGamma: dGamma, dBeta: dBeta)
                }
              }
            }
          }
        }
      }
    }
    switch (weight.trainable, bias.trainable) {
    case (true, true): weight.accumulateGradient { dg in bias.accumulateGradient { db in run(dg, db) } }
    case (true, false): weight.accumulateGradient { dg in run(dg, nil) }
    case (false, true): bias.accumulateGradient { db in run(nil, db) }
    case (false, false): if inputGradient { run(nil, nil) }
    }
    return dx
  }
}
