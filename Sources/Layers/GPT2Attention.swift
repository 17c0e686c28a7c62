import Tensors

/// GPT-2's attention (transformers' `GPT2Attention`, eager), self or cross.
///
/// Self (causal): [q | k | v] = c_attn(x) with c_attn: C → 3C; cross: q = q_attn(x) (C → C) and
/// [k | v] = c_attn(e) (C → 2C) on the encoder states e. Then softmax(q kᵀ / √Dh) v per head
/// (`scale_attn_weights`), and c_proj (C → C). x: [B, T, C], e: [B, S, C] → [B, T, C].
/// The projections are `LinearLayer`s (Conv1D layout as loaded) so a method can wrap them.
///
/// Backward: through c_proj, the attention kernel (dq, dk, dv), then the projections: for self
/// attention dx = c_attnᵀ([dq | dk | dv]); for cross attention dx = q_attnᵀ(dq) and
/// de = c_attnᵀ([dk | dv]).
public final class GPT2Attention: ParameterContainer {
  public var cAttn: LinearLayer
  public var qAttn: LinearLayer?
  public var cProj: LinearLayer
  public let heads: Int
  public let isCrossAttention: Bool
  /// `attn_dropout` on the attention probabilities (training forwards only; nil or p 0: none).
  public var attentionDropout: DropoutSource?
  private var cache: (q: Tensor, k: Tensor, v: Tensor, probs: Tensor, dropout: ProbabilityDropout?)?

  /// `prefix` is the module's HF name (`decoder.transformer.h.0.attn`, `….crossattention`).
  public init(_ prefix: String, dim: Int, heads: Int, crossAttention: Bool) {
    precondition(dim % heads == 0, "attention width \(dim) is not divisible by \(heads) heads")
    cAttn = Conv1D("\(prefix).c_attn", inFeatures: dim, outFeatures: (crossAttention ? 2 : 3) * dim)
    qAttn = crossAttention ? Conv1D("\(prefix).q_attn", inFeatures: dim, outFeatures: dim) : nil
    cProj = Conv1D("\(prefix).c_proj", inFeatures: dim, outFeatures: dim)
    self.heads = heads
    isCrossAttention = crossAttention
  }

  public var dim: Int { cProj.outFeatures }
  public var headDim: Int { dim / heads }
  public var parameters: [Parameter] { [cAttn, qAttn, cProj].compactMap { $0 }.flatMap(\.parameters) }

  /// x: [B, T, C] (and for cross attention the encoder states e: [B, S, C]) → [B, T, C].
  /// With `training`, keeps q, k, v and the attention probabilities.
  public func forward(_ x: Tensor, encoder: Tensor? = nil, training: Bool = false) -> Tensor {
    precondition((encoder != nil) == isCrossAttention, "GPT-2 attention: encoder states go with cross attention only")
    let b = x.shape[0], t = x.shape[1], c = dim
    let q: Tensor, k: Tensor, v: Tensor
    if let encoder, let qAttn {
      q = qAttn.forward(x, training: training)
      (k, v) = Self.split2(cAttn.forward(encoder, training: training), width: c)
    } else {
      (q, k, v) = Self.split3(cAttn.forward(x, training: training), width: c)
    }
    let s = k.shape[1]
    var dropout: ProbabilityDropout?
    if training, let d = attentionDropout, d.p > 0 {
      let start = d.rng.reserve(count: ProbabilityDropout.count(batch: b, heads: heads, queries: t, keys: s))
      dropout = ProbabilityDropout(seed: start.seed, counter: start.counter, p: d.p)
    }
    var context = Tensor(uninitialized: [b, t, c])
    var probs = training ? Tensor(uninitialized: [b, heads, t, s]) : Tensor(zeros: [0])
    q.data.withUnsafeBufferPointer { qp in k.data.withUnsafeBufferPointer { kp in v.data.withUnsafeBufferPointer { vp in
      context.data.withUnsafeMutableBufferPointer { op in
        probs.data.withUnsafeMutableBufferPointer { pp in
          AttentionKernel.forward(q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, out: op.baseAddress!, batch: b,
                                  queries: t, keys: s, heads: heads, headDim: headDim, causal: !isCrossAttention,
                                  scale: 1 / Float(headDim).squareRoot(), probs: training ? pp.baseAddress : nil,
                                  dropout: dropout)
        }
      }
    } } }
    cache = training ? (q, k, v, probs, dropout) : nil
    return cProj.forward(context, training: training)
  }

  /// dy: [B, T, C] → dx (when `inputGradient`) and, for cross attention, d(encoder states) (when
  /// `encoderGradient`). Gradients land in the trainable projections.
  public func backward(_ dy: Tensor, inputGradient: Bool, encoderGradient: Bool = false) -> (dx: Tensor?, dEncoder: Tensor?) {
    guard let (q, k, v, probs, dropout) = cache else { preconditionFailure("GPT-2 attention: backward without a training forward") }
    cache = nil
    let dContext = cProj.backward(dy, inputGradient: true)!
    let b = q.shape[0], t = q.shape[1], s = k.shape[1], c = dim
    var dq = Tensor(uninitialized: [b, t, c]), dk = Tensor(uninitialized: [b, s, c]), dv = Tensor(uninitialized: [b, s, c])
    dContext.data.withUnsafeBufferPointer { dop in
      q.data.withUnsafeBufferPointer { qp in k.data.withUnsafeBufferPointer { kp in v.data.withUnsafeBufferPointer { vp in
        probs.data.withUnsafeBufferPointer { pp in
          dq.data.withUnsafeMutableBufferPointer { dqp in dk.data.withUnsafeMutableBufferPointer { dkp in
            dv.data.withUnsafeMutableBufferPointer { dvp in
              AttentionKernel.backward(dout: dop.baseAddress!, q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!,
                                       probs: pp.baseAddress!, dq: dqp.baseAddress!, dk: dkp.baseAddress!, dv: dvp.baseAddress!,
                                       batch: b, queries: t, keys: s, heads: heads, headDim: headDim,
                                       scale: 1 / Float(headDim).squareRoot(), dropout: dropout)
            }
          } }
        }
      } } }
    }
    if let qAttn {
      let dx = qAttn.backward(dq, inputGradient: inputGradient)
      let de = cAttn.backward(Self.join([dk, dv]), inputGradient: encoderGradient)
      return (dx, de)
    }
    return (cAttn.backward(Self.join([dq, dk, dv]), inputGradient: inputGradient), nil)
  }

  /// [B, T, 3C] → three [B, T, C] (the column blocks).
  static func split3(_ x: Tensor, width c: Int) -> (Tensor, Tensor, Tensor) {
    let parts = split(x, width: c, count: 3)
    return (parts[0], parts[1], parts[2])
  }

  static func split2(_ x: Tensor, width c: Int) -> (Tensor, Tensor) {
    let parts = split(x, width: c, count: 2)
    return (parts[0], parts[1])
  }

  private static func split(_ x: Tensor, width c: Int, count n: Int) -> [Tensor] {
    let rows = x.count / (n * c)
    var parts = (0..<n).map { _ in Tensor(uninitialized: Array(x.shape.dropLast()) + [c]) }
    x.data.withUnsafeBufferPointer { xp in
      for p in 0..<n {
        parts[p].data.withUnsafeMutableBufferPointer { dst in
          for r in 0..<rows { (dst.baseAddress! + r * c).update(from: xp.baseAddress! + r * n * c + p * c, count: c) }
        }
      }
    }
    return parts
  }

  /// Column blocks [B, T, C] each → [B, T, n·C] (the inverse of `split`).
  static func join(_ parts: [Tensor]) -> Tensor {
    let c = parts[0].shape.last!, n = parts.count, rows = parts[0].count / c
    var out = Tensor(uninitialized: Array(parts[0].shape.dropLast()) + [n * c])
    out.data.withUnsafeMutableBufferPointer { op in
      for (p, part) in parts.enumerated() {
        part.data.withUnsafeBufferPointer { src in
          for r in 0..<rows { (op.baseAddress! + r * n * c + p * c).update(from: src.baseAddress! + r * c, count: c) }
        }
      }
    }
    return out
  }
}
