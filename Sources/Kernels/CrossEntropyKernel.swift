import Foundation

/// Softmax cross-entropy over rows of logits, forward and gradient in one pass per row:
/// loss_r = log Σ_j exp(z_rj) − z_r,y_r;  dz_r = (softmax(z_r) − onehot(y_r)) · scale.
/// Rows whose label is `ignoreIndex` (PyTorch's −100) add no loss and get a zero gradient.
/// Row maxima are subtracted and each row's sum accumulates in Double; rows run in parallel and
/// their losses are summed in row order, so results do not depend on the thread count.
public enum CrossEntropyKernel {
  /// logits: [rows, classes]; labels: rows values in 0..<classes or `ignoreIndex` (checked by the
  /// caller) → the sum of the counted rows' losses. When `gradient` is given it receives
  /// dz · `gradientScale` ([rows, classes]).
  public static func lossAndGradient(logits: UnsafePointer<Float>, rows: Int, classes: Int, labels: UnsafePointer<Int>,
                                     ignoreIndex: Int = -100, gradient: UnsafeMutablePointer<Float>?,
                                     gradientScale: Float) -> Double {
    var losses = [Double](repeating: 0, count: rows)
    losses.withUnsafeMutableBufferPointer { lp in
      let ls = UnsafeSendable(lp.baseAddress!), zs = UnsafeSendable(UnsafeMutablePointer(mutating: logits))
      let ys = UnsafeSendable(UnsafeMutablePointer(mutating: labels)), gs = gradient.map(UnsafeSendable.init)
      Parallel.forEach(rows, grain: max(1, 16384 / max(classes, 1))) { range in
        var scratch = [Float](repeating: 0, count: gs == nil ? classes : 0)
        scratch.withUnsafeMutableBufferPointer { sp in
          for r in range {
            let z = zs.pointer + r * classes, y = ys.pointer[r]
            let e = gs.map { $0.pointer + r * classes } ?? sp.baseAddress!
            if y == ignoreIndex {
              if gs != nil { e.update(repeating: 0, count: classes) }
              continue
            }
            var m = -Float.infinity
            for j in 0..<classes { m = Swift.max(m, z[j]) }
            for j in 0..<classes { e[j] = FastMath.exp(z[j] - m) }  // vectorises
            var sum: Double = 0
            for j in 0..<classes { sum += Double(e[j]) }
            ls.pointer[r] = Double(m) + log(sum) - Double(z[y])
            guard gs != nil else { continue }
            let k = Float(1 / sum) * gradientScale
            for j in 0..<classes { e[j] *= k }
            e[y] -= gradientScale
          }
        }
      }
    }
    return losses.reduce(0, +)
  }
}
