import Foundation
import Tensors

/// Multi-head self-attention as in Hugging Face `CLIPAttention`:
/// q = x Wqᵀ + bq (scaled by 1/√Dh), k, v likewise; softmax(q kᵀ) v per head; then `out_proj`.
/// x: [B, T, C] → [B, T, C] with C = H · Dh.
public final class MultiHeadAttention: ParameterContainer {
  public var qProj: LinearLayer
  public var kProj: LinearLayer
  public var vProj: LinearLayer
  public var outProj: LinearLayer
  public let heads: Int
  /// Text towers attend causally (token i sees tokens ≤ i).
  public let causal: Bool

  public init(_ prefix: String, dim: Int, heads: Int, causal: Bool) {
    precondition(dim % heads == 0, "attention width \(dim) is not divisible by \(heads) heads")
    qProj = Linear("\(prefix).q_proj", inFeatures: dim, outFeatures: dim)
    kProj = Linear("\(prefix).k_proj", inFeatures: dim, outFeatures: dim)
    vProj = Linear("\(prefix).v_proj", inFeatures: dim, outFeatures: dim)
    outProj = Linear("\(prefix).out_proj", inFeatures: dim, outFeatures: dim)
    self.heads = heads
    self.causal = causal
  }

  public var dim: Int { qProj.inFeatures }
  public var headDim: Int { dim / heads }
  public var parameters: [Parameter] { [qProj, kProj, vProj, outProj].flatMap(\.parameters) }

  /// x: [B, T, C] → [B, T, C]
  public func forward(_ x: Tensor) -> Tensor {
    let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
    let q = qProj.forward(x), k = kProj.forward(x), v = vProj.forward(x)  // [B, T, C] each
    var context = Tensor(zeros: [b, t, c])
    q.data.withUnsafeBufferPointer { qp in
      k.data.withUnsafeBufferPointer { kp in
        v.data.withUnsafeBufferPointer { vp in
          context.data.withUnsafeMutableBufferPointer { op in
            AttentionKernel.forward(
              q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, out: op.baseAddress!,
              batch: b, tokens: t, heads: heads, headDim: headDim, causal: causal,
              scale: 1 / Float(headDim).squareRoot())
          }
        }
      }
    }
    return outProj.forward(context)
  }
}
