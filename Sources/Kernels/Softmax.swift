import Foundation

/// Numerically stable softmax over the last dimension, in place.
public enum Softmax {
  /// x: [rows, dim], overwritten with softmax(x) row by row.
  public static func inPlace(_ x: UnsafeMutablePointer<Float>, rows: Int, dim: Int) {
    let xs = UnsafeSendable(x)
    Parallel.forEach(rows, grain: max(1, 8192 / max(dim, 1))) { range in
      for r in range { row(xs.pointer + r * dim, count: dim) }
    }
  }

  /// Softmax of one contiguous row of `count` values, in place.
  @inlinable
  public static func row(_ p: UnsafeMutablePointer<Float>, count: Int) {
    var mx = -Float.infinity
    for i in 0..<count { mx = Swift.max(mx, p[i]) }
    if mx == -.infinity { for i in 0..<count { p[i] = 0 }; return }  // fully masked row
    for i in 0..<count { p[i] = FastMath.exp(p[i] - mx) }  // vectorises
    var sum: Float = 0
    for i in 0..<count { sum += p[i] }
    let inv = 1 / sum
    for i in 0..<count { p[i] *= inv }
  }
}
