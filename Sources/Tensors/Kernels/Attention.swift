import Foundation

/// Scaled dot-product multi-head attention on packed heads.
///
/// q, k, v, out: [B, T, H·Dh] (heads interleaved the way `q_proj` output is viewed as [B, T, H, Dh]).
/// probs (optional, for backward): [B, H, T, T], row i holds softmax(q_i·k_j·scale) over keys j
/// (zeros above the diagonal when causal).
///
/// Each (batch, head) pair is two small GEMMs on strided views — S = scale·Q Kᵀ, then O = P V —
/// with a row softmax between. Pairs run in parallel on our workers while BLAS is held to one
/// thread, so the two thread pools never nest.
public enum AttentionKernel {
  public static func forward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, heads: Int, headDim: Int,
    causal: Bool, scale: Float, probs: UnsafeMutablePointer<Float>? = nil
  ) {
    let width = heads * headDim, t = tokens
    let qs = UnsafeSendable(q), ks = UnsafeSendable(k), vs = UnsafeSendable(v)
    let os = UnsafeSendable(out), ps = probs.map(UnsafeSendable.init)
    BLAS.singleThreaded {
      Parallel.forEach(batch * heads) { range in
        let scratch = ps == nil ? UnsafeMutablePointer<Float>.allocate(capacity: t * t) : nil
        defer { scratch?.deallocate() }
        for bh in range {
          let b = bh / heads, h = bh % heads
          let base = b * t * width + h * headDim
          let s = ps.map { $0.pointer + bh * t * t } ?? scratch!  // [T, T]
          BLAS.gemm(transB: true, m: t, n: t, k: headDim, alpha: scale, a: qs.pointer + base, lda: width,
                    b: ks.pointer + base, ldb: width, c: s, ldc: t)
          for i in 0..<t {
            let row = s + i * t, keys = causal ? i + 1 : t
            Softmax.row(row, count: keys)
            for j in keys..<t { row[j] = 0 }
          }
          BLAS.gemm(m: t, n: headDim, k: t, a: s, lda: t, b: vs.pointer + base, ldb: width,
                    c: os.pointer + base, ldc: width)
        }
      }
    }
  }
}
