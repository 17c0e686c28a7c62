import CKernels
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

  /// Softmax of one contiguous row of `count` values, in place (CKernels: max, FastMath's exp,
  /// the sum in order, scale; a fully masked row of −inf becomes zeros).
  @inlinable
  public static func row(_ p: UnsafeMutablePointer<Float>, count: Int) {
    cliptune_softmax_row(p, count)
  }
}
