import Foundation
import Tensors

/// Multi-head self-attention as in Hugging Face `CLIPAttention`:
/// q = x Wqᵀ + bq (scaled by 1/√Dh), k, v likewise; softmax(q kᵀ) v per head; then `out_proj`.
/// x: [B, T, C] → [B, T, C] with C = H · Dh.
///
/// With `attentionDropout` (ViT's `attention_probs_dropout_prob`; CLIP's attention_dropout is 0),
/// a dropping forward computes softmax(q kᵀ) → drop(P) → drop(P) v, as transformers' eager ViT
/// attention does (and sdpa with `dropout_p`); the kernel keeps P and regenerates the mask in backward.
public final class MultiHeadAttention: ParameterContainer {
  public var qProj: LinearLayer
  public var kProj: LinearLayer
  public var vProj: LinearLayer
  public var outProj: LinearLayer
  public let heads: Int
  /// Text towers attend causally (token i sees tokens ≤ i).
  public let causal: Bool
  /// Dropout on the attention probabilities (dropping forwards only; nil or p 0: none, today's path).
  public var attentionDropout: DropoutSource?
  private var cache: (q: Tensor, k: Tensor, v: Tensor, probs: Tensor, dropout: ProbabilityDropout?)?

  public init(_ prefix: String, dim: Int, heads: Int, causal: Bool) {
    precondition(dim % heads == 0, "attention width \(dim) is not divisible by \(heads) heads")
    qProj = Linear("\(prefix).q_proj", inFeatures: dim, outFeatures: dim)
    kProj = Linear("\(prefix).k_proj", inFeatures: dim, outFeatures: dim)
    vProj = Linear("\(prefix).v_proj", inFeatures: dim, outFeatures: dim)
    outProj = Linear("\(prefix).out_proj", inFeatures: dim, outFeatures: dim)
    self.heads = heads
    self.causal = causal
  }

  /// Attention over the given projections (named by their own prefixes, e.g. ViT's
  /// `attention.attention.query` and `attention.output.dense`); all must map C → C.
  public init(query: LinearLayer, key: LinearLayer, value: LinearLayer, output: LinearLayer, heads: Int, causal: Bool) {
    let dim = query.inFeatures
    precondition([query, key, value, output].allSatisfy { $0.inFeatures == dim && $0.outFeatures == dim },
                 "attention projections must all map \(dim) → \(dim)")
    precondition(heads > 0 && dim % heads == 0, "attention width \(dim) is not divisible by \(heads) heads")
    qProj = query
    kProj = key
    vProj = value
    outProj = output
    self.heads = heads
    self.causal = causal
  }

  public var dim: Int { qProj.inFeatures }
  public var headDim: Int { dim / heads }
  var scale: Float { 1 / Float(headDim).squareRoot() }
  public var parameters: [Parameter] { [qProj, kProj, vProj, outProj].flatMap(\.parameters) }

  /// x: [B, T, C] → [B, T, C]. With `training`, keeps q, k, v and the attention probabilities.
  /// `dropout` (default: `training`) drops probabilities when `attentionDropout` is set; the
  /// draw, B·H blocks of `ProbabilityDropout.stride(T, T)` values, is reserved here.
  public func forward(_ x: Tensor, training: Bool = false, dropout dropping: Bool? = nil) -> Tensor {
    let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
    let q = qProj.forward(x, training: training), k = kProj.forward(x, training: training)
    let v = vProj.forward(x, training: training)  // [B, T, C] each
    var dropout: ProbabilityDropout?
    if dropping ?? training, let d = attentionDropout, d.p > 0 {
      let start = d.rng.reserve(count: ProbabilityDropout.count(batch: b, heads: heads, queries: t, keys: t))
      dropout = ProbabilityDropout(seed: start.seed, counter: start.counter, p: d.p)
    }
    var context = Tensor(uninitialized: [b, t, c])
    var probs = training ? Tensor(uninitialized: [b, heads, t, t]) : Tensor(zeros: [0])
    q.data.withUnsafeBufferPointer { qp in
      k.data.withUnsafeBufferPointer { kp in
        v.data.withUnsafeBufferPointer { vp in
          context.data.withUnsafeMutableBufferPointer { op in
            probs.data.withUnsafeMutableBufferPointer { pp in
              AttentionKernel.forward(
                q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, out: op.baseAddress!,
                batch: b, queries: t, keys: t, heads: heads, headDim: headDim, causal: causal, scale: scale,
                probs: training ? pp.baseAddress : nil, dropout: dropout)
            }
          }
        }
      }
    }
    cache = training ? (q, k, v, probs, dropout) : nil
    return outProj.forward(context, training: training)
  }

  /// dy: [B, T, C] → dx (when `inputGradient`); gradients flow into the projections.
  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    guard let (q, k, v, probs, dropout) = cache else { preconditionFailure("attention: backward without a training forward") }
    cache = nil
    let dContext = outProj.backward(dy, inputGradient: true)!  // [B, T, C]
    let (b, t, c) = (q.shape[0], q.shape[1], q.shape[2])
    var dq = Tensor(uninitialized: [b, t, c]), dk = Tensor(uninitialized: [b, t, c]), dv = Tensor(uninitialized: [b, t, c])
    dContext.data.withUnsafeBufferPointer { dop in
      q.data.withUnsafeBufferPointer { qp in k.data.withUnsafeBufferPointer { kp in v.data.withUnsafeBufferPointer { vp in
        probs.data.withUnsafeBufferPointer { pp in
          dq.data.withUnsafeMutableBufferPointer { dqp in dk.data.withUnsafeMutableBufferPointer { dkp in
            dv.data.withUnsafeMutableBufferPointer { dvp in
              AttentionKernel.backward(
                dout: dop.baseAddress!, q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, probs: pp.baseAddress!,
                dq: dqp.baseAddress!, dk: dkp.baseAddress!, dv: dvp.baseAddress!,
                batch: b, queries: t, keys: t, heads: heads, headDim: headDim, scale: scale, dropout: dropout)
            }
          } }
        }
      } } }
    }
    let dxq = qProj.backward(dq, inputGradient: inputGradient)
    let dxk = kProj.backward(dk, inputGradient: inputGradient)
    let dxv = vProj.backward(dv, inputGradient: inputGradient)
    guard inputGradient, var dx = dxq else { return nil }
    dx.add(dxk!)
    dx.add(dxv!)
    return dx
  }
}
