import Foundation
import Testing
import TestSupport
@testable import Tensors

/// The incremental-decoding kernels against sums in Double: DecodeGEMM's x·W (+ b) and x·Wᵀ, and
/// DecodeAttention (one query per row over a strided key block chosen per row), on sizes with and
/// without the multiples the kernels unroll by (4 and 16 over K, 16 columns, 8 over the head width),
/// and wide enough to split over workers.
struct DecodeKernelTests {
  struct Case: CustomStringConvertible, Sendable {
    var rows: Int, k: Int, n: Int
    var description: String { "\(rows)×\(k)·\(k)×\(n)" }
  }

  static let cases = [Case(rows: 4, k: 768, n: 1000), Case(rows: 5, k: 37, n: 203), Case(rows: 1, k: 3, n: 1),
                      Case(rows: 32, k: 18, n: 130)]

  @Test(arguments: cases) func productsMatchDoubleSums(_ c: Case) {
    let x = SmallGEMMTests.random(c.rows * c.k, seed: 3), w = SmallGEMMTests.random(c.k * c.n, seed: 4)
    let bias = SmallGEMMTests.random(c.n, seed: 5)
    var y = [Float](repeating: .nan, count: c.rows * c.n), yt = y
    var ref = [Float](repeating: 0, count: c.rows * c.n), reft = ref
    for r in 0..<c.rows {
      for j in 0..<c.n {
        var s = Double(bias[j]), st = 0.0
        for p in 0..<c.k {
          s += Double(x[r * c.k + p]) * Double(w[p * c.n + j])
          st += Double(x[r * c.k + p]) * Double(w[j * c.k + p])  // w read as [N, K]
        }
        ref[r * c.n + j] = Float(s)
        reft[r * c.n + j] = Float(st)
      }
    }
    DecodeGEMM.xw(x: x, rows: c.rows, k: c.k, w: w, n: c.n, bias: bias, y: &y)
    DecodeGEMM.xwt(x: x, rows: c.rows, k: c.k, w: w, n: c.n, y: &yt)
    if let m = mismatches(y, ref, tolerance: 1e-5, relative: true) { Issue.record("xw \(c): \(m)") }
    if let m = mismatches(yt, reft, tolerance: 1e-5, relative: true) { Issue.record("xwt \(c): \(m)") }
  }

  @Test func attentionMatchesDoubleSoftmax() {
    let (rows, heads, dh, keys, blocks) = (6, 3, 12, 9, 2)
    let c = heads * dh, keyStride = 2 * c, blockStride = keys * keyStride  // [k | v] interleaved, as c_attn emits
    let q = SmallGEMMTests.random(rows * c, seed: 6), kv = SmallGEMMTests.random(blocks * blockStride, seed: 7)
    let source = [1, 0, 1, 1, 0, 0]
    var out = [Float](repeating: .nan, count: rows * c)
    kv.withUnsafeBufferPointer { p in
      DecodeAttention.forward(q: q, k: p.baseAddress!, v: p.baseAddress! + c, out: &out, rows: rows, keys: keys, heads: heads,
                              headDim: dh, keyStride: keyStride, blockStride: blockStride, scale: 0.3, source: source)
    }
    var ref = [Float](repeating: 0, count: rows * c)
    for r in 0..<rows {
      for h in 0..<heads {
        let base = source[r] * blockStride + h * dh
        let scores = (0..<keys).map { j in 0.3 * (0..<dh).reduce(0.0) { $0 + Double(q[r * c + h * dh + $1]) * Double(kv[base + j * keyStride + $1]) } }
        let mx = scores.max()!, e = scores.map { Foundation.exp($0 - mx) }, sum = e.reduce(0, +)
        for d in 0..<dh {
          ref[r * c + h * dh + d] = Float((0..<keys).reduce(0.0) { $0 + e[$1] / sum * Double(kv[base + $1 * keyStride + c + d]) })
        }
      }
    }
    if let m = mismatches(out, ref, tolerance: 1e-5, relative: true) { Issue.record("attention: \(m)") }
  }
}
