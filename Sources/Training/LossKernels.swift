import Foundation
import Tensors

/// Row-wise L2 normalisation as transformers' CLIP does it (`x / ‖x‖`, no epsilon: a zero row
/// gives NaN, as in PyTorch), and its backward pass.
enum RowNormalization {
  /// x: [N, dim] → (x / ‖x‖ per row [N, dim], ‖x‖ per row [N]).
  static func forward(_ x: [Float], dim: Int) -> (normalized: [Float], norms: [Float]) {
    let rows = x.count / max(dim, 1)
    var out = x, norms = [Float](repeating: 0, count: rows)
    x.withUnsafeBufferPointer { xp in
      for r in 0..<rows {
        let row = xp.baseAddress! + r * dim
        let n = VectorOps.dot(row, row, dim).squareRoot()
        norms[r] = n
        for j in 0..<dim { out[r * dim + j] = row[j] / n }
      }
    }
    return (out, norms)
  }

  /// dx = (dy − y · ⟨y, dy⟩) / ‖x‖ per row, for y = x / ‖x‖.   dy, y: [N, dim]; norms: [N] → [N, dim]
  static func backward(_ dy: [Float], normalized y: [Float], norms: [Float], dim: Int) -> [Float] {
    var dx = dy
    for r in 0..<norms.count {
      var inner = 0.0
      for j in 0..<dim { inner += Double(y[r * dim + j]) * Double(dy[r * dim + j]) }
      let n = Double(norms[r])
      for j in 0..<dim {
        let k = r * dim + j
        dx[k] = Float((Double(dy[k]) - Double(y[k]) * inner) / n)
      }
    }
    return dx
  }
}

/// Log-sum-exp over the rows or columns of a small row-major matrix, max-shifted, summed in Double.
enum LogSumExp {
  /// x: [rows, columns] → [rows]
  static func rows(_ x: [Float], rows: Int, columns: Int) -> [Double] {
    (0..<rows).map { i in
      let row = x[(i * columns)..<((i + 1) * columns)]
      let m = row.max()!
      guard m.isFinite else { return Double(m) }  // +inf (or NaN) propagates as PyTorch's does
      var sum = 0.0
      for v in row { sum += Foundation.exp(Double(v) - Double(m)) }
      return Double(m) + Foundation.log(sum)
    }
  }

  /// x: [rows, columns] → [columns]
  static func columns(_ x: [Float], rows: Int, columns: Int) -> [Double] {
    var maxima = [Float](repeating: -.infinity, count: columns)
    for i in 0..<rows { for j in 0..<columns { maxima[j] = max(maxima[j], x[i * columns + j]) } }
    var sums = [Double](repeating: 0, count: columns)
    for i in 0..<rows {
      for j in 0..<columns { sums[j] += Foundation.exp(Double(x[i * columns + j]) - Double(maxima[j])) }
    }
    return (0..<columns).map { j in
      maxima[j].isFinite ? Double(maxima[j]) + Foundation.log(sums[j]) : Double(maxima[j])
    }
  }
}
