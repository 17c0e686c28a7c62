import Foundation

extension Tensor {
  /// Adds `other` element-wise (same shape) in place.
  public mutating func add(_ other: Tensor) {
    precondition(shape == other.shape, "add: \(shape) vs \(other.shape)")
    KernelProfile.measure(.add) {
      data.withUnsafeMutableBufferPointer { y in
        other.data.withUnsafeBufferPointer { x in
          let ys = UnsafeSendable(y.baseAddress!), xs = UnsafeSendable(x.baseAddress!)
          Parallel.forEach(y.count, grain: 32768) { r in for i in r { ys.pointer[i] += xs.pointer[i] } }
        }
      }
    }
  }

  /// Multiplies every element by `s` in place.
  public mutating func scale(by s: Float) {
    for i in data.indices { data[i] *= s }
  }

  /// Each row of [..., D] divided by max(‖row‖₂, 1e-12), as `torch.nn.functional.normalize` does
  /// (a zero row stays zero).
  public func l2NormalizedRows() -> Tensor {
    let d = shape.last ?? 1, rows = count / Swift.max(d, 1)
    var out = self
    out.data.withUnsafeMutableBufferPointer { buffer in
      let p = UnsafeSendable(buffer.baseAddress!)
      Parallel.forEach(rows, grain: 64) { range in
        for r in range {
          let row = p.pointer + r * d
          let scale = 1 / Swift.max(VectorOps.dot(row, row, d).squareRoot(), 1e-12)
          for j in 0..<d { row[j] *= scale }
        }
      }
    }
    return out
  }
}
