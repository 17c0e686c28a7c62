import Foundation

extension Tensor {
  /// Adds `other` element-wise (same shape) in place.
  public mutating func add(_ other: Tensor) {
    precondition(shape == other.shape, "add: \(shape) vs \(other.shape)")
    data.withUnsafeMutableBufferPointer { y in
      other.data.withUnsafeBufferPointer { x in
        let ys = UnsafeSendable(y.baseAddress!), xs = UnsafeSendable(x.baseAddress!)
        Parallel.forEach(y.count, grain: 32768) { r in for i in r { ys.pointer[i] += xs.pointer[i] } }
      }
    }
  }

  /// Adds a row vector `bias` ([D]) to every row of `self` ([..., D]) in place.
  public mutating func addRowVector(_ bias: Tensor) {
    let d = bias.count
    precondition(shape.last == d, "addRowVector: \(shape) + \(bias.shape)")
    let rows = count / max(d, 1)
    data.withUnsafeMutableBufferPointer { y in
      bias.data.withUnsafeBufferPointer { b in
        let ys = UnsafeSendable(y.baseAddress!), bs = UnsafeSendable(b.baseAddress!)
        Parallel.forEach(rows, grain: max(1, 32768 / max(d, 1))) { r in
          for row in r { let p = ys.pointer + row * d; for j in 0..<d { p[j] += bs.pointer[j] } }
        }
      }
    }
  }

  /// Multiplies every element by `s` in place.
  public mutating func scale(by s: Float) {
    for i in data.indices { data[i] *= s }
  }

  /// Each row of [..., D] divided by its L2 norm (rows of norm 0 stay 0).
  public func l2NormalizedRows() -> Tensor {
    let d = shape.last ?? 1
    var out = self
    out.data.withUnsafeMutableBufferPointer { p in
      for r in 0..<(count / max(d, 1)) {
        var s: Double = 0
        for j in 0..<d { s += Double(p[r * d + j]) * Double(p[r * d + j]) }
        let inv = s > 0 ? Float(1 / s.squareRoot()) : 0
        for j in 0..<d { p[r * d + j] *= inv }
      }
    }
    return out
  }
}
