import Foundation

/// Scaled dot-product multi-head attention on packed heads.
///
/// q, k, v, out: [B, T, H·Dh] (heads interleaved the way `q_proj` output is viewed as [B, T, H, Dh]).
/// probs (optional, for backward): [B, H, T, T], row i holds softmax(q_i·k_j·scale) over keys j
/// (zeros above the diagonal when causal).
///
/// Each (batch, head) pair is two small GEMMs on strided views — S = scale·Q Kᵀ, then O = P V —
/// with a row softmax between. Pairs run in parallel on our workers, each product computed on the
/// worker itself (`HeadGEMM`: oneDNN on one thread, or `SmallGEMM`): no nested thread pools, and
/// results independent of the thread count.
public enum AttentionKernel {
  /// Self-attention: queries and keys are the same T tokens.
  public static func forward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, heads: Int, headDim: Int,
    causal: Bool, scale: Float, probs: UnsafeMutablePointer<Float>? = nil
  ) {
    forward(q: q, k: k, v: v, out: out, batch: batch, queries: tokens, keys: tokens, heads: heads, headDim: headDim,
            causal: causal, scale: scale, probs: probs)
  }

  /// Attention of Tq queries over Tk keys (cross-attention, or a query block over a KV cache):
  /// q, out: [B, Tq, H·Dh]; k, v: [B, Tk, H·Dh]; probs: [B, H, Tq, Tk]. With `causal`, query i sees
  /// keys j ≤ i + (Tk − Tq) (the queries are the last Tq positions of the key sequence).
  ///
  /// With `dropout` (transformers' `attn_dropout`, training only), out = drop(P) V where drop is
  /// inverted dropout whose mask for (batch b, head h) is the draw of `ProbabilityDropout.stride`
  /// values starting at counter + (b·H + h)·stride of the stream; `probs` keeps P undropped.
  public static func forward(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>, batch: Int, queries tq: Int, keys tk: Int, heads: Int, headDim: Int,
    causal: Bool, scale: Float, probs: UnsafeMutablePointer<Float>? = nil, dropout: ProbabilityDropout? = nil
  ) {
    let width = heads * headDim
    let qs = UnsafeSendable(q), ks = UnsafeSendable(k), vs = UnsafeSendable(v)
    let os = UnsafeSendable(out), ps = probs.map(UnsafeSendable.init)
    let blas = HeadGEMM.useBLAS
    KernelProfile.measure(.attention) {
      Parallel.forEach(batch * heads) { range in
        let dropped = dropout == nil ? 0 : tq * tk
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (ps == nil ? tq * tk : 0) + headDim * tk + dropped)
        defer { scratch.deallocate() }
        let kt = scratch + (ps == nil ? tq * tk : 0)  // Kᵀ: [Dh, Tk]
        let dp = kt + headDim * tk                     // drop(P): [Tq, Tk]
        for bh in range {
          let b = bh / heads, h = bh % heads
          let qBase = b * tq * width + h * headDim, kBase = b * tk * width + h * headDim
          let s = ps.map { $0.pointer + bh * tq * tk } ?? scratch  // [Tq, Tk]
          HeadGEMM.nt(m: tq, n: tk, k: headDim, alpha: scale, a: qs.pointer + qBase, lda: width,
                       b: ks.pointer + kBase, ldb: width, c: s, ldc: tk, scratch: kt, useBLAS: blas)
          for i in 0..<tq {
            let row = s + i * tk, seen = causal ? Swift.min(tk, Swift.max(1, i + 1 + tk - tq)) : tk
            Softmax.row(row, count: seen)
            for j in seen..<tk { row[j] = 0 }
          }
          var pv = UnsafePointer(s)
          if let dropout {
            dropout.apply(block: bh, queries: tq, keys: tk, from: s, to: dp)
            pv = UnsafePointer(dp)
          }
          HeadGEMM.nn(m: tq, n: headDim, k: tk, a: pv, lda: tk, b: vs.pointer + kBase, ldb: width,
                       c: os.pointer + qBase, ldc: width, useBLAS: blas)
        }
      }
    }
  }
}

/// Dropout on attention probabilities (transformers' `attn_dropout`): the stream (seed, counter),
/// the probability, and the per-(batch, head) block layout of its draws.
public struct ProbabilityDropout: Sendable {
  public var seed: UInt64
  public var counter: UInt64
  public var p: Float
  public init(seed: UInt64, counter: UInt64, p: Float) {
    precondition(p > 0 && p < 1, "attention dropout \(p) outside (0, 1)")
    self.seed = seed
    self.counter = counter
    self.p = p
  }

  /// Draws per (batch, head) block: Tq·Tk rounded up to whole 64-bit outputs.
  public static func stride(queries tq: Int, keys tk: Int) -> Int { (tq * tk + 3) & ~3 }
  /// Draws a whole forward takes (reserve this many from the stream).
  public static func count(batch: Int, heads: Int, queries tq: Int, keys tk: Int) -> Int {
    batch * heads * stride(queries: tq, keys: tk)
  }

  /// destination = source ⊙ the block's dropout scales (0 or 1/(1−p)), on this thread.
  func apply(block: Int, queries tq: Int, keys tk: Int, from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>) {
    let start = counter &+ UInt64(block * Self.stride(queries: tq, keys: tk))
    DropoutKernel.apply(seed: seed, counter: start, p: p, from: source, to: destination, count: tq * tk, accumulate: false,
                        parallel: false)
  }
}

extension AttentionKernel {
  /// Gradients of self-attention's `forward` (queries and keys the same T tokens).
  public static func backward(
    dout: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    probs: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
    dv: UnsafeMutablePointer<Float>, batch: Int, tokens: Int, heads: Int, headDim: Int, scale: Float
  ) {
    backward(dout: dout, q: q, k: k, v: v, probs: probs, dq: dq, dk: dk, dv: dv, batch: batch, queries: tokens, keys: tokens,
             heads: heads, headDim: headDim, scale: scale)
  }

  /// Gradients of `forward` given its probabilities P ([B, H, Tq, Tk]) and dO.
  /// Per (batch, head): dV = Pᵀ dO, dP = dO Vᵀ, dS = P ∘ (dP − rowsum(dP ∘ P)), dQ = scale·dS K,
  /// dK = scale·dSᵀ Q. dq, dout: [B, Tq, H·Dh]; dk, dv: [B, Tk, H·Dh]; dq/dk/dv are overwritten.
  /// With the forward's `dropout` (the same draws, regenerated): dV = drop(P)ᵀ dO and
  /// dP = drop(dO Vᵀ) (the mask and 1/(1−p) on the gradient), then the softmax backward with P.
  public static func backward(
    dout: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    probs: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>,
    dv: UnsafeMutablePointer<Float>, batch: Int, queries tq: Int, keys tk: Int, heads: Int, headDim: Int, scale: Float,
    dropout: ProbabilityDropout? = nil
  ) {
    let width = heads * headDim
    let dos = UnsafeSendable(dout), qs = UnsafeSendable(q), ks = UnsafeSendable(k), vs = UnsafeSendable(v)
    let ps = UnsafeSendable(probs), dqs = UnsafeSendable(dq), dks = UnsafeSendable(dk), dvs = UnsafeSendable(dv)
    let blas = HeadGEMM.useBLAS
    KernelProfile.measure(.attentionBackward) {
      Parallel.forEach(batch * heads) { range in
        let dp = UnsafeMutablePointer<Float>.allocate(capacity: tq * tk)  // dP, then dS in place
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: tk * Swift.max(tq, headDim))
        let droppedP = dropout == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: tq * tk)
        defer { dp.deallocate(); scratch.deallocate(); droppedP?.deallocate() }
        for bh in range {
          let b = bh / heads, h = bh % heads
          let qBase = b * tq * width + h * headDim, kBase = b * tk * width + h * headDim
          let p = ps.pointer + bh * tq * tk
          var pv = p  // what multiplied V: P, or drop(P)
          if let dropout, let droppedP {
            dropout.apply(block: bh, queries: tq, keys: tk, from: p, to: droppedP)
            pv = UnsafePointer(droppedP)
          }
          HeadGEMM.tn(m: tk, n: headDim, k: tq, a: pv, lda: tk, b: dos.pointer + qBase, ldb: width,
                       c: dvs.pointer + kBase, ldc: width, scratch: scratch, useBLAS: blas)
          HeadGEMM.nt(m: tq, n: tk, k: headDim, a: dos.pointer + qBase, lda: width,
                       b: vs.pointer + kBase, ldb: width, c: dp, ldc: tk, scratch: scratch, useBLAS: blas)
          if let dropout { dropout.apply(block: bh, queries: tq, keys: tk, from: dp, to: dp) }
          for i in 0..<tq {
            let pr = p + i * tk, dr = dp + i * tk
            var dot: Float = 0
            for j in 0..<tk { dot += pr[j] * dr[j] }
            for j in 0..<tk { dr[j] = pr[j] * (dr[j] - dot) }
          }
          HeadGEMM.nn(m: tq, n: headDim, k: tk, alpha: scale, a: dp, lda: tk, b: ks.pointer + kBase, ldb: width,
                       c: dqs.pointer + qBase, ldc: width, useBLAS: blas)
          HeadGEMM.tn(m: tk, n: headDim, k: tq, alpha: scale, a: dp, lda: tk, b: qs.pointer + qBase, ldb: width,
                       c: dks.pointer + kBase, ldc: width, scratch: scratch, useBLAS: blas)
        }
      }
    }
  }
}
