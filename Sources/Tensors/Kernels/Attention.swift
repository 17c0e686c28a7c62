import Foundation

/// Scaled dot-product multi-head attention on packed heads.
///
/// q, k, v, out: [B, T, H·Dh] (heads interleaved the way `q_proj` output is viewed as [B, T, H, Dh]).
/// probs (optional, for backward): [B, H, T, T], row i holds softmax(q_i·k_j·scale) over keys j.
public enum AttentionKernel {
  public static func forward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, heads: Int, headDim: Int,
    causal: Bool, scale: Float, probs: UnsafeMutablePointer<Float>? = nil
  ) {
    let width = heads * headDim
    let qs = UnsafeSendable(q), ks = UnsafeSendable(k), vs = UnsafeSendable(v)
    let os = UnsafeSendable(out), ps = probs.map(UnsafeSendable.init)
    Parallel.forEach(batch * heads) { range in
      let scores = UnsafeMutablePointer<Float>.allocate(capacity: tokens)
      defer { scores.deallocate() }
      for bh in range {
        let b = bh / heads, h = bh % heads
        let base = b * tokens * width + h * headDim
        for i in 0..<tokens {
          let qi = qs.pointer + base + i * width
          let keys = causal ? i + 1 : tokens
          for j in 0..<keys {
            scores[j] = VectorOps.dot(qi, ks.pointer + base + j * width, headDim) * scale
          }
          Softmax.row(scores, count: keys)
          let oi = os.pointer + base + i * width
          for d in 0..<headDim { oi[d] = 0 }
          for j in 0..<keys {
            VectorOps.axpy(scores[j], vs.pointer + base + j * width, oi, headDim)
          }
          if let ps {
            let row = ps.pointer + (bh * tokens + i) * tokens
            for j in 0..<keys { row[j] = scores[j] }
            for j in keys..<tokens { row[j] = 0 }
          }
        }
      }
    }
  }
}
