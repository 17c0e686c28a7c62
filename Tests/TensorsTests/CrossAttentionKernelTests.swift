import Foundation
import TestSupport
import Testing
import Tensors

/// `AttentionKernel` with Tq queries over Tk keys (cross-attention, and a query block over a KV
/// cache with the causal offset), against a direct Double computation, with its backward checked by
/// central differences.
struct CrossAttentionKernelTests {
  static let (b, tq, tk, heads, dh) = (2, 3, 5, 2, 4)
  static var width: Int { heads * dh }

  static func random(_ n: Int, _ rng: inout SeededRNG) -> [Float] { (0..<n).map { _ in rng.uniform(-1, 1) } }

  /// out[b, i, h·Dh + d] = Σ_j softmax_j(scale · q_i·k_j over the visible j) v_j.
  static func reference(_ q: [Float], _ k: [Float], _ v: [Float], causal: Bool, scale: Float) -> [Float] {
    var out = [Float](repeating: 0, count: b * tq * width)
    for bb in 0..<b {
      for h in 0..<heads {
        for i in 0..<tq {
          let seen = causal ? min(tk, i + 1 + tk - tq) : tk
          var scores = [Double](repeating: 0, count: seen)
          for j in 0..<seen {
            var dot = 0.0
            for d in 0..<dh { dot += Double(q[(bb * tq + i) * width + h * dh + d]) * Double(k[(bb * tk + j) * width + h * dh + d]) }
            scores[j] = dot * Double(scale)
          }
          let m = scores.max()!
          let e = scores.map { exp($0 - m) }, z = e.reduce(0, +)
          for d in 0..<dh {
            var acc = 0.0
            for j in 0..<seen { acc += e[j] / z * Double(v[(bb * tk + j) * width + h * dh + d]) }
            out[(bb * tq + i) * width + h * dh + d] = Float(acc)
          }
        }
      }
    }
    return out
  }

  static func forward(_ q: [Float], _ k: [Float], _ v: [Float], causal: Bool, scale: Float, probs: UnsafeMutablePointer<Float>? = nil) -> [Float] {
    var out = [Float](repeating: 0, count: b * tq * width)
    q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
      out.withUnsafeMutableBufferPointer { op in
        AttentionKernel.forward(q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, out: op.baseAddress!, batch: b,
                                queries: tq, keys: tk, heads: heads, headDim: dh, causal: causal, scale: scale, probs: probs)
      }
    } } }
    return out
  }

  @Test(arguments: [false, true])
  func forwardMatchesDirectComputation(causal: Bool) {
    var rng = SeededRNG(seed: 3)
    let q = Self.random(Self.b * Self.tq * Self.width, &rng), k = Self.random(Self.b * Self.tk * Self.width, &rng)
    let v = Self.random(Self.b * Self.tk * Self.width, &rng)
    let ours = Self.forward(q, k, v, causal: causal, scale: 0.5), expected = Self.reference(q, k, v, causal: causal, scale: 0.5)
    if let m = mismatches(ours, expected, tolerance: 1e-6) { Issue.record("causal \(causal): \(m)") }
  }

  @Test(arguments: [false, true])
  func backwardMatchesFiniteDifferences(causal: Bool) {
    var rng = SeededRNG(seed: 4)
    let q = Self.random(Self.b * Self.tq * Self.width, &rng), k = Self.random(Self.b * Self.tk * Self.width, &rng)
    let v = Self.random(Self.b * Self.tk * Self.width, &rng), g = Self.random(Self.b * Self.tq * Self.width, &rng)
    let scale: Float = 0.5
    var probs = [Float](repeating: 0, count: Self.b * Self.heads * Self.tq * Self.tk)
    _ = probs.withUnsafeMutableBufferPointer { Self.forward(q, k, v, causal: causal, scale: scale, probs: $0.baseAddress!) }
    var dq = [Float](repeating: 0, count: q.count), dk = [Float](repeating: 0, count: k.count), dv = [Float](repeating: 0, count: v.count)
    g.withUnsafeBufferPointer { gp in q.withUnsafeBufferPointer { qp in k.withUnsafeBufferPointer { kp in v.withUnsafeBufferPointer { vp in
      probs.withUnsafeBufferPointer { pp in
        dq.withUnsafeMutableBufferPointer { dqp in dk.withUnsafeMutableBufferPointer { dkp in dv.withUnsafeMutableBufferPointer { dvp in
          AttentionKernel.backward(dout: gp.baseAddress!, q: qp.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, probs: pp.baseAddress!,
                                   dq: dqp.baseAddress!, dk: dkp.baseAddress!, dv: dvp.baseAddress!, batch: Self.b,
                                   queries: Self.tq, keys: Self.tk, heads: Self.heads, headDim: Self.dh, scale: scale)
        } } }
      }
    } } } }
    // L = Σ out ⊙ g, evaluated in Double by the reference.
    func loss(_ q: [Float], _ k: [Float], _ v: [Float]) -> Double {
      zip(Self.reference(q, k, v, causal: causal, scale: scale), g).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    let eps: Float = 1e-2
    for (name, analytic, which) in [("dq", dq, 0), ("dk", dk, 1), ("dv", dv, 2)] {
      for index in [0, analytic.count / 3, analytic.count - 1] {
        var inputs = [q, k, v]
        inputs[which][index] += eps
        let plus = loss(inputs[0], inputs[1], inputs[2])
        inputs[which][index] -= 2 * eps
        let minus = loss(inputs[0], inputs[1], inputs[2])
        let numeric = Float((plus - minus) / Double(2 * eps))
        #expect(abs(numeric - analytic[index]) <= 2e-3 + 1e-2 * abs(numeric), "causal \(causal) \(name)[\(index)]: \(analytic[index]) vs \(numeric)")
      }
    }
  }
}
