/// Matrix products for incremental decoding, where a few rows (beams × images, R ≲ 32) meet a large
/// weight matrix: the time is reading the weights, so each kernel streams its weights once,
/// sequentially, and keeps the R rows of input and output close in cache. (A general GEMM packs
/// panels of the weights first, which in OpenBLAS for R = 4 costs about as much as the product itself.)
///
/// Work is split over output columns (`Parallel`), no BLAS call; every output element is summed in
/// the same order whatever the thread count, so results do not depend on it.
public enum DecodeGEMM {
  /// Rows up to which these kernels beat the process's GEMM backend (above it the product is
  /// compute-bound): 32 against OpenBLAS and Accelerate; none against oneDNN, which was faster at
  /// every row count measured (whole-model 4-beam generation of 8 images: 2.03 s vs 4.37 s; 1 image,
  /// 4 beams, 20 tokens: 0.52 s vs 0.73 s; `bench caption`, 2 cores).
  public static var maxRows: Int { ComputeContext.gemmBackend == .onednn ? 0 : 32 }

  /// y = x · W (+ b):  x [R, K], W [K, N] row-major (Conv1D's layout), b [N], y [R, N] (overwritten).
  /// Each worker owns a contiguous column range and streams W's rows over it, eight at a time:
  /// y[r, j] += x[r, p]·W[p, j] + … + x[r, p+7]·W[p+7, j] (summed pairwise), then four, then one.
  public static func xw(x: UnsafePointer<Float>, rows: Int, k: Int, w: UnsafePointer<Float>, n: Int,
                        bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
    let xs = UnsafeSendable(x), ws = UnsafeSendable(w), ys = UnsafeSendable(y), bs = bias.map(UnsafeSendable.init)
    let threads = Swift.max(1, Swift.min(Parallel.threads, n / 64))
    let per = ((n + threads - 1) / threads + 15) / 16 * 16
    Parallel.forEach(threads) { range in
      for part in range {
        let j0 = part * per, j1 = Swift.min(n, j0 + per)
        guard j0 < j1 else { continue }
        let width = j1 - j0
        for r in 0..<rows {
          let yr = ys.pointer + r * n + j0
          if let bs { yr.update(from: bs.pointer + j0, count: width) } else { yr.update(repeating: 0, count: width) }
        }
        var p = 0
        while p + 8 <= k {
          let w0 = ws.pointer + p * n + j0, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
          let w4 = w3 + n, w5 = w4 + n, w6 = w5 + n, w7 = w6 + n
          for r in 0..<rows {
            let xr = xs.pointer + r * k + p
            let a0 = xr[0], a1 = xr[1], a2 = xr[2], a3 = xr[3], a4 = xr[4], a5 = xr[5], a6 = xr[6], a7 = xr[7]
            let yr = ys.pointer + r * n + j0
            for j in 0..<width {
              yr[j] += ((a0 * w0[j] + a1 * w1[j]) + (a2 * w2[j] + a3 * w3[j])) + ((a4 * w4[j] + a5 * w5[j]) + (a6 * w6[j] + a7 * w7[j]))
            }
          }
          p += 8
        }
        while p + 4 <= k {
          let w0 = ws.pointer + p * n + j0, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n
          for r in 0..<rows {
            let xr = xs.pointer + r * k + p
            let a0 = xr[0], a1 = xr[1], a2 = xr[2], a3 = xr[3]
            let yr = ys.pointer + r * n + j0
            for j in 0..<width { yr[j] += a0 * w0[j] + a1 * w1[j] + a2 * w2[j] + a3 * w3[j] }
          }
          p += 4
        }
        while p < k {
          let w0 = ws.pointer + p * n + j0
          for r in 0..<rows {
            let a0 = xs.pointer[r * k + p], yr = ys.pointer + r * n + j0
            for j in 0..<width { yr[j] += a0 * w0[j] }
          }
          p += 1
        }
      }
    }
  }

  /// y = x · Wᵀ:  x [R, K], W [N, K] row-major (an embedding table used as the LM head), y [R, N]
  /// (overwritten). Each worker streams its range of W's rows; each row meets the R rows of x as
  /// dot products of 16-lane partial sums (fixed order: lane-wise over K, then the lanes).
  public static func xwt(x: UnsafePointer<Float>, rows: Int, k: Int, w: UnsafePointer<Float>, n: Int,
                         y: UnsafeMutablePointer<Float>) {
    let xs = UnsafeSendable(x), ws = UnsafeSendable(w), ys = UnsafeSendable(y)
    let wide = k - k % 16
    Parallel.forEach(n, grain: 256) { range in
      for v in range {
        let wv = UnsafeRawPointer(ws.pointer + v * k)
        for r in 0..<rows {
          let xr = UnsafeRawPointer(xs.pointer + r * k)
          var acc = SIMD16<Float>()
          var p = 0
          while p < wide {
            acc += xr.loadUnaligned(fromByteOffset: p * 4, as: SIMD16<Float>.self)
              * wv.loadUnaligned(fromByteOffset: p * 4, as: SIMD16<Float>.self)
            p += 16
          }
          var dot = acc.sum()
          while p < k { dot += xs.pointer[r * k + p] * ws.pointer[v * k + p]; p += 1 }
          ys.pointer[r * n + v] = dot
        }
      }
    }
  }
}
