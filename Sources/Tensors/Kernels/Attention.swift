import Foundation

/// Scaled dot-product multi-head attention on packed heads.
///
/// q, k, v, out: [B, T, H·Dh] (heads interleaved the way `q_proj` output is viewed as [B, T, H, Dh]).
/// probs (optional, for backward): [B, H, T, T], row i holds softmax(q_i·k_j·scale) over keys j
/// (zeros above the diagonal when causal).
///
/// Each (batch, head) pair is two small GEMMs on strided views — S = scale·Q Kᵀ, then O = P V —
/// with a row softmax between. Pairs run in parallel on our workers, each product computed by
/// `SmallGEMM` on the worker itself: no BLAS call (so no nested thread pools and no thread count
/// changed at run time), and results independent of the thread count.
public enum AttentionKernel {
  public static func forward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, heads: Int, headDim: Int,
    causal: Bool, scale: Float, probs: UnsafeMutablePointer<Float>? = nil
  ) {
    let width = heads * headDim, t = tokens
    let qs = UnsafeSendable(q), ks = UnsafeSendable(k), vs = UnsafeSendable(v)
    let os = UnsafeSendable(out), ps = probs.map(UnsafeSendable.init)
    Parallel.forEach(batch * heads) { range in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (ps == nil ? t * t : 0) + headDim * t)
      defer { scratch.deallocate() }
      let kt = scratch + (ps == nil ? t * t : 0)  // Kᵀ: [Dh, T]
      for bh in range {
        let b = bh / heads, h = bh % heads
        let base = b * t * width + h * headDim
        let s = ps.map { $0.pointer + bh * t * t } ?? scratch  // [T, T]
        SmallGEMM.nt(m: t, n: t, k: headDim, alpha: scale, a: qs.pointer + base, lda: width,
                     b: ks.pointer + base, ldb: width, c: s, ldc: t, scratch: kt)
        for i in 0..<t {
          let row = s + i * t, keys = causal ? i + 1 : t
          Softmax.row(row, count: keys)
          for j in keys..<t { row[j] = 0 }
        }
        SmallGEMM.nn(m: t, n: headDim, k: t, a: s, lda: t, b: vs.pointer + base, ldb: width,
                     c: os.pointer + base, ldc: width)
      }
    }
  }
}

extension AttentionKernel {
  /// Gradients of `forward` given its probabilities P ([B, H, T, T]) and dO.
  /// Per (batch, head): dV = Pᵀ dO, dP = dO Vᵀ, dS = P ∘ (dP − rowsum(dP ∘ P)), dQ = scale·dS K,
  /// dK = scale·dSᵀ Q. All of dq, dk, dv, dout: [B, T, H·Dh]; dq/dk/dv are overwritten.
  public static func backward(
    dout: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    probs: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
    dv: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, heads: Int, headDim: Int, scale: Float
  ) {
    let width = heads * headDim, t = tokens
    let dos = UnsafeSendable(dout), qs = UnsafeSendable(q), ks = UnsafeSendable(k), vs = UnsafeSendable(v)
    let ps = UnsafeSendable(probs), dqs = UnsafeSendable(dq), dks = UnsafeSendable(dk), dvs = UnsafeSendable(dv)
    Parallel.forEach(batch * heads) { range in
      let dp = UnsafeMutablePointer<Float>.allocate(capacity: t * t)  // dP, then dS in place
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: t * Swift.max(t, headDim))
      defer { dp.deallocate(); scratch.deallocate() }
      for bh in range {
        let base = (bh / heads) * t * width + (bh % heads) * headDim
        let p = ps.pointer + bh * t * t
        SmallGEMM.tn(m: t, n: headDim, k: t, a: p, lda: t, b: dos.pointer + base, ldb: width,
                     c: dvs.pointer + base, ldc: width, scratch: scratch)
        SmallGEMM.nt(m: t, n: t, k: headDim, a: dos.pointer + base, lda: width,
                     b: vs.pointer + base, ldb: width, c: dp, ldc: t, scratch: scratch)
        for i in 0..<t {
          let pr = p + i * t, dr = dp + i * t
          var dot: Float = 0
          for j in 0..<t { dot += pr[j] * dr[j] }
          for j in 0..<t { dr[j] = pr[j] * (dr[j] - dot) }
        }
        SmallGEMM.nn(m: t, n: headDim, k: t, alpha: scale, a: dp, lda: t, b: ks.pointer + base, ldb: width,
                     c: dqs.pointer + base, ldc: width)
        SmallGEMM.tn(m: t, n: headDim, k: t, alpha: scale, a: dp, lda: t, b: qs.pointer + base, ldb: width,
                     c: dks.pointer + base, ldc: width, scratch: scratch)
      }
    }
  }
}
