/// Attention of one new query per row over that row's cached keys (incremental decoding).
///
/// For each row r and head h: out[r, h] = Σ_j p_j v_j with p = softmax(scale · q[r, h] · k_jᵀ) over
/// the `keys` cached positions j. Rows are independent sequences (beams, images); `source(r)` picks
/// the key/value block a row reads (its own self-attention cache, or its image's encoder K/V).
///
/// q, out: [R, H·Dh] (row stride H·Dh); key j of block b at k + b·blockStride + j·keyStride + h·Dh,
/// values likewise at v. The (row, head) pairs run in parallel, each on one worker, with no BLAS
/// call, so the result does not depend on the thread count.
public enum DecodeAttention {
  public static func forward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
    rows: Int, keys n: Int, heads: Int, headDim: Int, keyStride: Int, blockStride: Int, scale: Float,
    source: [Int]
  ) {
    let width = heads * headDim
    let qs = UnsafeSendable(q), ks = UnsafeSendable(k), vs = UnsafeSendable(v), os = UnsafeSendable(out)
    // ~4·n·Dh flops a pair: only split the work when it is worth a thread hop.
    let grain = Swift.max(1, 32_768 / Swift.max(1, 4 * n * headDim))
    source.withUnsafeBufferPointer { src in
      let srcs = UnsafeSendable(src.baseAddress!)
      Parallel.forEach(rows * heads, grain: grain) { range in
        let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { p.deallocate() }
        for rh in range {
          let r = rh / heads, h = rh % heads
          let qr = qs.pointer + r * width + h * headDim
          let block = srcs.pointer[r] * blockStride + h * headDim
          let kb = ks.pointer + block, vb = vs.pointer + block
          for j in 0..<n {
            let kj = kb + j * keyStride
            var acc = SIMD8<Float>()
            var d = 0
            while d + 8 <= headDim {
              acc += UnsafeRawPointer(qr + d).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(kj + d).loadUnaligned(as: SIMD8<Float>.self)
              d += 8
            }
            var dot = acc.sum()
            while d < headDim { dot += qr[d] * kj[d]; d += 1 }
            p[j] = dot * scale
          }
          Softmax.row(p, count: n)
          let o = os.pointer + r * width + h * headDim
          for d in 0..<headDim { o[d] = 0 }
          for j in 0..<n {
            let vj = vb + j * keyStride, pj = p[j]
            for d in 0..<headDim { o[d] += pj * vj[d] }
          }
        }
      }
    }
  }
}
