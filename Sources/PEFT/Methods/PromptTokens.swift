import Layers
import Tensors

/// Learnable prompt tokens placed after CLS in a vision token sequence (VPT, Jia et al. 2022).
///
/// `.insert` (VPT-shallow, and the first layer of VPT-deep): x [B, T, C] → [CLS, drop(P), x₁…] :
/// [B, T + N, C]. `.replace` (VPT-deep before blocks 1…L−1): tokens 1…N of x (the previous block's
/// prompt outputs) are replaced by drop(P): [B, T, C] → [B, T, C], and receive no gradient.
/// P [N, C] is one row block of `parameter` (`slice`: prompt_embeddings [1, N, C] has one,
/// deep_prompt_embeddings [L−1, N, C] one per block). Dropout (VPT's `prompt_dropout`, applied to
/// the prompts broadcast over the batch) draws an independent mask per image.
///
/// Backward: dP += Σ_b mask ⊙ dy[b, 1…N]; dx = dy without (insert) or with zeros at (replace) 1…N.
public final class PromptTokens: SequenceModule {
  public enum Mode: Sendable { case insert, replace }
  public let parameter: Parameter
  public let slice: Int
  public let mode: Mode
  public let dropout: Float
  let dropoutRNG: DropoutRNG
  private var cachedScales: [Float]??

  public init(_ parameter: Parameter, slice: Int, mode: Mode, dropout: Float, dropoutRNG: DropoutRNG) {
    precondition(parameter.shape.count == 3 && (0..<parameter.shape[0]).contains(slice), "prompt tokens: bad slice")
    self.parameter = parameter
    self.slice = slice
    self.mode = mode
    self.dropout = dropout
    self.dropoutRNG = dropoutRNG
  }

  public var count: Int { parameter.shape[1] }
  public var dim: Int { parameter.shape[2] }
  public var parameters: [Parameter] { [parameter] }

  /// x: [B, T, C] → [B, T + N, C] (insert) or [B, T, C] (replace).
  public func forward(_ x: Tensor, training: Bool) -> Tensor {
    let (b, t, c, n) = (x.shape[0], x.shape[1], x.shape[2], count)
    precondition(c == dim && t >= 1 && (mode == .insert || t > n), "prompt tokens: input \(x.shape) does not fit \(n)×\(dim) prompts")
    let outT = mode == .insert ? t + n : t
    let scales: [Float]? = training && dropout > 0 ? dropoutRNG.dropoutScales(count: b * n * c, p: dropout) : nil
    var y = Tensor(uninitialized: [b, outT, c])
    x.data.withUnsafeBufferPointer { xp in
      parameter.value.data.withUnsafeBufferPointer { pp in
        y.data.withUnsafeMutableBufferPointer { yp in
          let prompts = pp.baseAddress! + slice * n * c
          for i in 0..<b {
            let src = xp.baseAddress! + i * t * c, dst = yp.baseAddress! + i * outT * c
            dst.update(from: src, count: c)  // CLS
            for k in 0..<(n * c) { dst[c + k] = prompts[k] * (scales?[i * n * c + k] ?? 1) }
            let rest = mode == .insert ? 1 : 1 + n  // first token of x after the prompts
            (dst + (1 + n) * c).update(from: src + rest * c, count: (t - rest) * c)
          }
        }
      }
    }
    cachedScales = training && parameter.trainable ? .some(scales) : nil
    return y
  }

  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    let (b, outT, c, n) = (dy.shape[0], dy.shape[1], dy.shape[2], count)
    if parameter.trainable {
      guard let scales = cachedScales else { preconditionFailure("\(parameter.name): backward without a training forward") }
      dy.data.withUnsafeBufferPointer { g in
        parameter.accumulateGradient { dp in
          let d = dp + slice * n * c
          for i in 0..<b {
            let row = g.baseAddress! + (i * outT + 1) * c
            for k in 0..<(n * c) { d[k] += row[k] * (scales?[i * n * c + k] ?? 1) }
          }
        }
      }
    }
    cachedScales = nil
    guard inputGradient else { return nil }
    let t = mode == .insert ? outT - n : outT
    var dx = Tensor(zeros: [b, t, c])
    dy.data.withUnsafeBufferPointer { g in
      dx.data.withUnsafeMutableBufferPointer { d in
        for i in 0..<b {
          let src = g.baseAddress! + i * outT * c, dst = d.baseAddress! + i * t * c
          dst.update(from: src, count: c)
          let rest = mode == .insert ? 1 : 1 + n
          (dst + rest * c).update(from: src + (1 + n) * c, count: (t - rest) * c)
        }
      }
    }
    return dx
  }
}
