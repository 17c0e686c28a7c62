import Testing
@testable import Tensors

/// The CKernels elementwise kernels (one variant per instruction set, picked at load time) against
/// the Swift scalar loops they replaced, bit for bit: same IEEE operations in the same order, so
/// the AVX-512 path changes no result. The references below are those loops, kept here verbatim.
struct ElementwiseKernelTests {
  /// Values that exercise every branch: a dense grid over the interesting range, the clamps'
  /// edges and beyond, signed zeros, subnormals, infinities and NaN; an odd count for the tails.
  static let inputs: [Float] = {
    var v = (0..<40_001).map { Float($0 - 20_000) / 1000 }  // −20 … 20 in steps of 0.001
    v += [0, -0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 1e-30, -1e-30,
          3.99, 4, 4.01, -4, 8.99, 9, 9.01, -9, 87.3, 88.3, 88.4, -87.3, -87.4, 100, -100, 1e6, -1e6,
          .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan]
    return v
  }()

  static func same(_ a: [Float], _ b: [Float]) -> String? {
    guard a.count == b.count else { return "\(a.count) values, expected \(b.count)" }
    let bad = a.indices.filter { !(a[$0].bitPattern == b[$0].bitPattern || (a[$0].isNaN && b[$0].isNaN)) }
    guard let first = bad.first else { return nil }
    return "\(bad.count) of \(a.count) differ; first at \(first): \(a[first]) vs \(b[first])"
  }

  static func referenceForward(_ f: Activation, _ v: Float) -> Float {
    switch f {
    case .quickGELU: v / (1 + FastMath.exp(-1.702 * v))
    case .gelu: 0.5 * v * (1 + FastMath.erf(v * 0.70710678118654752))
    case .geluTanh: 0.5 * v * (1 + FastMath.tanh(0.79788456080286536 * (v + 0.044715 * v * v * v)))
    }
  }

  static func referenceDerivative(_ f: Activation, _ v: Float) -> Float {
    switch f {
    case .quickGELU:
      let s = 1 / (1 + FastMath.exp(-1.702 * v))
      return s + 1.702 * v * s * (1 - s)
    case .gelu:
      let cdf = 0.5 * (1 + FastMath.erf(v * 0.70710678118654752))
      return cdf + v * FastMath.exp(-0.5 * v * v) * 0.39894228040143268
    case .geluTanh:
      let c: Float = 0.79788456080286536
      let t = FastMath.tanh(c * (v + 0.044715 * v * v * v))
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)
    }
  }

  @Test(arguments: Activation.allCases)
  func activationsAreTheScalarLoops(_ f: Activation) {
    let x = Self.inputs
    var y = x
    y.withUnsafeMutableBufferPointer { f.apply($0.baseAddress!, count: $0.count) }
    #expect(Self.same(y, x.map { Self.referenceForward(f, $0) }) == nil, "\(f) forward: \(Self.same(y, x.map { Self.referenceForward(f, $0) }) ?? "")")
    let upstream = x.indices.map { Float($0 % 7) - 3.5 }
    var g = upstream
    x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { f.backward(x: xp.baseAddress!, grad: $0.baseAddress!, count: $0.count) } }
    let want = zip(x, upstream).map { v, u in u * Self.referenceDerivative(f, v) }
    #expect(Self.same(g, want) == nil, "\(f) backward: \(Self.same(g, want) ?? "")")
  }

  /// Deterministic values in [−1, 1) (xorshift).
  static func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var state = seed | 1
    return (0..<count).map { _ in
      state ^= state << 13; state ^= state >> 7; state ^= state << 17
      return scale * (Float(Int(state % 20001) - 10000) / 10000)
    }
  }

  static func referenceAdam(_ g: [Float], _ p: inout [Float], _ m: inout [Float], _ v: inout [Float], _ c: AdamUpdate.Coefficients) {
    for i in g.indices {
      let param = p[i]
      let grad = g[i] + c.l2 * param
      let diff = grad - m[i]
      let mNew = c.lerpSmall ? m[i] + c.lerpWeight * diff : grad - diff * c.oneMinusWeight
      let vNew = v[i] * c.beta2 + c.oneMinusBeta2 * grad * grad
      m[i] = mNew
      v[i] = vNew
      let denom = abs(vNew).squareRoot() / c.bc2Sqrt + c.eps
      p[i] = param * c.decay + c.negStepSize * mNew / denom
    }
  }

  @Test(arguments: [true, false])
  func adamIsTheScalarLoop(lerpSmall: Bool) {
    let n = 100_003
    let c = AdamUpdate.Coefficients(decay: lerpSmall ? 0.99999 : 1, l2: lerpSmall ? 0 : 0.01, lerpWeight: lerpSmall ? 0.1 : 0.6,
                                    lerpSmall: lerpSmall, oneMinusWeight: lerpSmall ? 0.9 : 0.4, beta2: 0.999,
                                    oneMinusBeta2: 0.001, bc2Sqrt: 0.0447, eps: 1e-8, negStepSize: -1e-3)
    let g = Self.values(n, seed: 1, scale: 0.01)
    var p = Self.values(n, seed: 2), m = Self.values(n, seed: 3, scale: 0.001), v = Self.values(n, seed: 4, scale: 1e-5).map(abs)
    var (p1, m1, v1) = (p, m, v)
    Self.referenceAdam(g, &p1, &m1, &v1, c)
    g.withUnsafeBufferPointer { gp in
      p.withUnsafeMutableBufferPointer { pp in
        m.withUnsafeMutableBufferPointer { mp in
          v.withUnsafeMutableBufferPointer { vp in
            AdamUpdate.apply(gradient: gp.baseAddress!, parameter: pp.baseAddress!, expAvg: mp.baseAddress!,
                             expAvgSq: vp.baseAddress!, count: n, c)
          }
        }
      }
    }
    #expect(Self.same(p, p1) == nil, "parameters: \(Self.same(p, p1) ?? "")")
    #expect(Self.same(m, m1) == nil, "exp_avg: \(Self.same(m, m1) ?? "")")
    #expect(Self.same(v, v1) == nil, "exp_avg_sq: \(Self.same(v, v1) ?? "")")
  }

  @Test(arguments: [(37, 768, true), (5, 13, false), (64, 512, true)])
  func layerNormIsTheScalarLoops(rows: Int, dim: Int, withBeta: Bool) {
    let x = Self.values(rows * dim, seed: 5, scale: 3).enumerated().map { $0.element + Float($0.offset / dim) }  // row offsets
    let gamma = Self.values(dim, seed: 6), beta = Self.values(dim, seed: 7), dy = Self.values(rows * dim, seed: 8)
    var y = [Float](repeating: .nan, count: rows * dim), mean = [Float](repeating: 0, count: rows), rstd = mean
    LayerNormKernel.forward(x: x, gamma: gamma, beta: withBeta ? beta : nil, y: &y, rows: rows, dim: dim, eps: 1e-5,
                            mean: &mean, rstd: &rstd)
    var dx = [Float](repeating: .nan, count: rows * dim), dGamma = Self.values(dim, seed: 9), dBeta = Self.values(dim, seed: 10)
    let (dGamma0, dBeta0) = (dGamma, dBeta)
    LayerNormKernel.backward(dy: dy, x: x, mean: mean, rstd: rstd, gamma: gamma, rows: rows, dim: dim,
                             dx: &dx, dGamma: &dGamma, dBeta: &dBeta)
    // The loops they replaced.
    var wantY = y, wantDx = dx, wantDGamma = dGamma0, wantDBeta = dBeta0
    for r in 0..<rows {
      let row = Array(x[r * dim..<(r + 1) * dim])
      let m = row.withUnsafeBufferPointer { VectorOps.sum($0.baseAddress!, dim) } / Float(dim)
      let variance = row.withUnsafeBufferPointer { VectorOps.sumOfSquaredDeviations($0.baseAddress!, dim, from: m) } / Float(dim)
      let inv = 1 / (variance + 1e-5).squareRoot()
      #expect(m.bitPattern == mean[r].bitPattern && inv.bitPattern == rstd[r].bitPattern)
      for i in 0..<dim { wantY[r * dim + i] = withBeta ? (row[i] - m) * inv * gamma[i] + beta[i] : (row[i] - m) * inv * gamma[i] }
      var sumG: Float = 0, sumGX: Float = 0
      for i in 0..<dim {
        let gi = dy[r * dim + i] * gamma[i]
        sumG += gi
        sumGX += gi * (row[i] - m) * inv
      }
      let meanG = sumG / Float(dim), meanGX = sumGX / Float(dim)
      for i in 0..<dim { wantDx[r * dim + i] = inv * (dy[r * dim + i] * gamma[i] - meanG - (row[i] - m) * inv * meanGX) }
      for i in 0..<dim { wantDGamma[i] += dy[r * dim + i] * (row[i] - m) * inv }
      for i in 0..<dim { wantDBeta[i] += dy[r * dim + i] }
    }
    #expect(Self.same(y, wantY) == nil, "forward: \(Self.same(y, wantY) ?? "")")
    #expect(Self.same(dx, wantDx) == nil, "dx: \(Self.same(dx, wantDx) ?? "")")
    #expect(Self.same(dGamma, wantDGamma) == nil, "dGamma: \(Self.same(dGamma, wantDGamma) ?? "")")
    #expect(Self.same(dBeta, wantDBeta) == nil, "dBeta: \(Self.same(dBeta, wantDBeta) ?? "")")
  }

  @Test func softmaxIsTheScalarLoop() {
    var rows: [[Float]] = [Self.values(50, seed: 11, scale: 30), Self.values(77, seed: 12, scale: 100), [3], [-.infinity, -.infinity],
                           [-.infinity, 2, -.infinity, 1, 0, -0], Array(Self.inputs.prefix(1000)), [.nan, 1, 2]]
    rows.append(Self.values(1031, seed: 13))
    for row in rows {
      var got = row
      got.withUnsafeMutableBufferPointer { Softmax.row($0.baseAddress!, count: $0.count) }
      var want = row
      var mx = -Float.infinity
      for v in want { mx = Swift.max(mx, v) }
      if mx == -.infinity {
        want = want.map { _ in 0 }
      } else {
        for i in want.indices { want[i] = FastMath.exp(want[i] - mx) }
        var sum: Float = 0
        for v in want { sum += v }
        let inv = 1 / sum
        for i in want.indices { want[i] *= inv }
      }
      #expect(Self.same(got, want) == nil, "\(row.count) values: \(Self.same(got, want) ?? "")")
    }
  }

  @Test func columnSumsAreTheScalarLoop() {
    let (rows, cols) = (67, 771)
    let g = Self.values(rows * cols, seed: 14)
    var out = Self.values(cols, seed: 15), want = out
    VectorOps.addColumnSums(g, rows: rows, columns: cols, into: &out)
    for r in 0..<rows { for j in 0..<cols { want[j] += g[r * cols + j] } }
    #expect(Self.same(out, want) == nil, Comment(rawValue: Self.same(out, want) ?? ""))
  }
}
