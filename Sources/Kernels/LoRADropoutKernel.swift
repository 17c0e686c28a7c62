import CKernels

/// LoRA's dropout fused into its low-rank products, so that neither drop(x) nor the input-gradient
/// path (dh A) is ever materialised at full size [N, in]. With s the dropout scales of the draw
/// (seed, counter) — s_k = 0 when the k-th 16-bit value of the stream falls below round(p·2¹⁶),
/// else 1/(1−p), exactly `DropoutKernel`'s rule — and x: [N, in], A: [r, in], dh: [N, r]:
///
///     forward:   h   = (x ⊙ s) Aᵀ              [N, r]
///     backward:  dA (+)= dhᵀ (x ⊙ s)           [r, in]
///                dx  += (dh A) ⊙ s              [N, in]
///
/// The rows are processed in blocks of `blockRows` (a multiple of 4, so every block starts on a
/// whole 64-bit draw: element k of the draw keeps using lane k % 4 of output (counter >> 2) + k / 4,
/// the masks are the ones `DropoutKernel.apply` gives for the whole draw). Per block, two phases
/// that never nest: the elementwise part on our workers (`Parallel.forEach`), then the block's GEMM
/// through `BLAS.gemm` on the GEMM library's own threads. A block of x is ~256 Ki values (1 MB),
/// so the scratch buffers stay in cache between the two phases (larger blocks mean fewer phase
/// switches: 2× the rows of 128 Ki-value blocks measured ~10% faster on ViT-B/32 shapes). The backward regenerates each
/// block's mask once and uses it for both products; dA is accumulated over blocks in row order
/// (beta = 1 after the first), so results are deterministic for a given thread count.
///
/// (Each block's GEMM is one library call on the library's threads, not one single-threaded call per
/// tile inside the parallel loop; with OpenBLAS, a call inside our workers would start its own pool.)
public enum LoRADropoutKernel {
  /// Values of x per block (1 MB of Float).
  public static let blockValues = 1 << 18

  /// Rows per block for `inFeatures` columns: a multiple of 4 in 4…512 holding ≈ `blockValues`.
  public static func blockRows(inFeatures: Int) -> Int {
    Swift.max(4, Swift.min(512, blockValues / Swift.max(1, inFeatures) / 4 * 4))
  }

  /// hidden[N, r] = (x ⊙ s) Aᵀ for the draw (seed, counter), x: [N, in], A: [r, in] (row-major).
  /// `blockRows` (a positive multiple of 4) overrides the block size (tests).
  public static func forward(seed: UInt64, counter: UInt64, p: Float, x: UnsafePointer<Float>, rows n: Int,
                             inFeatures i: Int, a: UnsafePointer<Float>, rank r: Int,
                             hidden: UnsafeMutablePointer<Float>, blockRows: Int? = nil) {
    let rows = checkedBlockRows(blockRows, inFeatures: i)
    guard n > 0, i > 0, r > 0 else { return }
    var scratch = [Float](unsafeUninitializedCapacity: Swift.min(n, rows) * i) { _, c in c = Swift.min(n, rows) * i }
    scratch.withUnsafeMutableBufferPointer { d in
      var row0 = 0
      while row0 < n {
        let m = Swift.min(rows, n - row0), k0 = row0 * i
        // drop(x_block): [m, in], the draw's values k0 ..< k0 + m·in
        DropoutKernel.apply(seed: seed, counter: counter &+ UInt64(k0), p: p, from: x + k0, to: d.baseAddress!,
                            count: m * i, accumulate: false)
        // hidden_block = drop(x_block) Aᵀ: [m, r]
        BLAS.gemm(transB: true, m: m, n: r, k: i, a: d.baseAddress!, lda: i, b: a, ldb: i,
                  c: hidden + row0 * r, ldc: r)
        row0 += m
      }
    }
  }

  /// The backward products of the draw (seed, counter), x: [N, in], dh: [N, r], A: [r, in]:
  /// `dA = dABeta · dA + dhᵀ (x ⊙ s)` when `dA` is given (then `x` must be), and
  /// `dx += (dh A) ⊙ s` when `dx` is given. Each block's mask is generated once for both.
  public static func backward(seed: UInt64, counter: UInt64, p: Float, x: UnsafePointer<Float>?,
                              dh: UnsafePointer<Float>, rows n: Int, inFeatures i: Int, a: UnsafePointer<Float>,
                              rank r: Int, dA: UnsafeMutablePointer<Float>?, dABeta: Float,
                              dx: UnsafeMutablePointer<Float>?, blockRows: Int? = nil) {
    precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
    precondition((dA == nil) == (x == nil), "dA needs x, and x is only read for dA")
    let rows = checkedBlockRows(blockRows, inFeatures: i)
    guard i > 0, r > 0, dA != nil || dx != nil else { return }
    if n == 0 {  // no rows: dA = dABeta · dA
      if let dA { for k in 0..<(r * i) { dA[k] = dABeta == 0 ? 0 : dABeta * dA[k] } }
      return
    }
    let blockCount = Swift.min(n, rows) * i
    var dropped = [Float](unsafeUninitializedCapacity: x == nil ? 0 : blockCount) { _, c in c = x == nil ? 0 : blockCount }
    var path = [Float](unsafeUninitializedCapacity: dx == nil ? 0 : blockCount) { _, c in c = dx == nil ? 0 : blockCount }
    let (key, threshold, keep) = DropoutKernel.rule(seed: seed, p: p)
    dropped.withUnsafeMutableBufferPointer { dp in
      path.withUnsafeMutableBufferPointer { pp in
        var row0 = 0, beta = dABeta
        while row0 < n {
          let m = Swift.min(rows, n - row0), k0 = row0 * i, count = m * i
          if dx != nil {  // path_block = dh_block A: [m, in]
            BLAS.gemm(m: m, n: i, k: r, a: dh + row0 * r, lda: r, b: a, ldb: i, c: pp.baseAddress!, ldc: i)
          }
          // One pass over the block's mask: drop(x_block) into `dropped`, dx_block += path ⊙ s.
          let base = (counter &+ UInt64(k0)) >> 2
          let pointers = UnsafeSendable((x.map { $0 + k0 }, dp.baseAddress, pp.baseAddress, dx.map { $0 + k0 }))
          let outputs = (count + 3) / 4  // the last may be partial (the draw's end, last block only)
          Parallel.forEach(outputs, grain: 4096) { range in  // CKernels' loops, vectorised for the CPU
            let (xs, ds, ps, gs) = pointers.pointer
            let k = 4 * range.lowerBound, end = Swift.min(count, 4 * range.upperBound), b = base &+ UInt64(range.lowerBound)
            if let xs, let ds, let ps, let gs {
              cliptune_dropout_apply_pair(key, b, threshold, keep, xs + k, ds + k, ps + k, gs + k, end - k)
            } else if let xs, let ds {
              cliptune_dropout_apply(key, b, threshold, keep, xs + k, ds + k, end - k, 0)
            } else if let ps, let gs {
              cliptune_dropout_apply(key, b, threshold, keep, ps + k, gs + k, end - k, 1)
            }
          }
          if let dA, let dq = dp.baseAddress {  // dA (+)= dh_blockᵀ drop(x_block): [r, in], blocks in row order
            BLAS.gemm(transA: true, m: r, n: i, k: m, a: dh + row0 * r, lda: r, b: dq, ldb: i,
                      beta: beta, c: dA, ldc: i)
            beta = 1
          }
          row0 += m
        }
      }
    }
  }

  private static func checkedBlockRows(_ requested: Int?, inFeatures: Int) -> Int {
    let rows = requested ?? blockRows(inFeatures: inFeatures)
    precondition(rows > 0 && rows % 4 == 0, "block rows \(rows) must be a positive multiple of 4")
    return rows
  }
}
