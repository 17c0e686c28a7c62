import Foundation
import Tensors
import TestSupport
import Testing

/// Engine kernels against naive references.
struct TensorsTests {
  func naiveMatmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
      var s: Double = 0
      for p in 0..<k {
        let av = transA ? a[p * m + i] : a[i * k + p]
        let bv = transB ? b[j * k + p] : b[p * n + j]
        s += Double(av) * Double(bv)
      }
      c[i * n + j] = Float(s)
    } }
    return c
  }

  @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
  func gemmMatchesNaive(_ transA: Bool, _ transB: Bool) {
    var rng = SeededRNG(seed: 1)
    let (m, n, k) = (13, 7, 29)
    let a = Tensor.randomNormal([m * k], rng: &rng).data, b = Tensor.randomNormal([k * n], rng: &rng).data
    var c = [Float](repeating: 1, count: m * n)
    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
      BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: ap.baseAddress!, lda: transA ? m : k,
                b: bp.baseAddress!, ldb: transB ? k : n, c: cp.baseAddress!, ldc: n)
    } } }
    let want = naiveMatmul(a, b, m: m, n: n, k: k, transA: transA, transB: transB)
    #expect(Closeness(c, want).maxRelToScale < 1e-6)
  }

  @Test func matmulHelpersAgree() {
    var rng = SeededRNG(seed: 2)
    let x = Tensor.randomNormal([2, 3, 8], rng: &rng), w = Tensor.randomNormal([5, 8], rng: &rng)
    let y = x.matmul(transposed: w)
    #expect(y.shape == [2, 3, 5])
    var wt = Tensor(zeros: [8, 5])
    for i in 0..<5 { for j in 0..<8 { wt.data[j * 5 + i] = w.data[i * 8 + j] } }
    let y2 = x.reshaped([6, 8]).matmul(wt)
    #expect(Closeness(y.data, y2.data).maxAbs < 1e-6)
  }

  @Test func seededRNGIsReproducibleAndRoughlyNormal() throws {
    var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42), c = SeededRNG(seed: 43)
    let xs = (0..<20000).map { _ in a.normal() }
    #expect(xs == (0..<20000).map { _ in b.normal() })
    #expect(xs.prefix(10) != (0..<10).map { _ in c.normal() }[...])
    let mean = xs.reduce(0, +) / Float(xs.count)
    let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(xs.count)
    #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    // State survives a JSON round trip (checkpoints store it).
    let restored = try JSONDecoder().decode(SeededRNG.self, from: JSONEncoder().encode(a))
    #expect(restored == a)
  }

  @Test func parallelForEachCoversEveryIndexOnce() {
    var hits = [Int](repeating: 0, count: 1001)
    hits.withUnsafeMutableBufferPointer { h in
      let p = UnsafeSendable(h.baseAddress!)
      Parallel.forEach(1001, grain: 10) { r in for i in r { p.pointer[i] += 1 } }
    }
    #expect(hits.allSatisfy { $0 == 1 })
  }

  @Test func fullyMaskedSoftmaxRowIsZeroNotNaN() {
    var row: [Float] = [-.infinity, -.infinity]
    row.withUnsafeMutableBufferPointer { Softmax.row($0.baseAddress!, count: 2) }
    #expect(row == [0, 0])
  }

  @Test func rowsConcatenateAndNormalize() {
    let t = Tensor(shape: [3, 2], data: [3, 4, 0, 0, 1, 0])
    #expect(t.rows(1..<3).data == [0, 0, 1, 0])
    #expect(Tensor.concatenate([t.rows(0..<1), t.rows(1..<3)]) == t)
    #expect(t.l2NormalizedRows().data == [0.6, 0.8, 0, 0, 1, 0])
  }
}

struct FastMathTests {
  @Test func expMatchesLibmWithinTwoUlp() {
    var worst: Double = 0
    var x: Float = -87.3
    while x <= 88.3 {
      let ref = Foundation.exp(Double(x))
      worst = max(worst, abs(Double(FastMath.exp(x)) - ref) / Double(Float(ref).ulp))
      x += 0.000731
    }
    #expect(worst <= 2, "worst error \(worst) ulp")
  }

  @Test func expSaturatesWithoutInfOrNaN() {
    #expect(FastMath.exp(1000).isFinite && FastMath.exp(1000) > 1e38)
    #expect(FastMath.exp(-1000) >= 0 && FastMath.exp(-1000) < 1e-37)
    #expect(FastMath.exp(0) == 1)
    let big: Float = -1000
    let q = big / (1 + FastMath.exp(-1.702 * big))  // quickGELU of a large negative input is ~0, not NaN
    #expect(q.isFinite && abs(q) < 1e-30)
  }

  /// erf and tanh (exact GELU, gelu_new) against double-precision libm over [−10, 10]:
  /// absolute error below 5e-7 (erf) and 3e-7 (tanh) — a few float32 ulps of 1 — and 0 and ±1
  /// (within those bounds) where they saturate.
  @Test func erfAndTanhMatchLibm() {
    var worstErf: Double = 0, worstTanh: Double = 0
    var x: Float = -10
    while x <= 10 {
      worstErf = max(worstErf, abs(Double(FastMath.erf(x)) - Foundation.erf(Double(x))))
      worstTanh = max(worstTanh, abs(Double(FastMath.tanh(x)) - Foundation.tanh(Double(x))))
      x += 0.000613
    }
    #expect(worstErf <= 5e-7, "erf: worst absolute error \(worstErf)")
    #expect(worstTanh <= 3e-7, "tanh: worst absolute error \(worstTanh)")
    #expect(FastMath.erf(0) == 0 && FastMath.tanh(0) == 0)
    #expect(abs(FastMath.erf(100) - 1) <= 5e-7 && abs(FastMath.erf(-100) + 1) <= 5e-7)
    #expect(abs(FastMath.tanh(100) - 1) <= 3e-7 && abs(FastMath.tanh(-100) + 1) <= 3e-7)
  }
}
