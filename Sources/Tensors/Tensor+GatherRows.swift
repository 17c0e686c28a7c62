extension Tensor {
  /// Rows of the first axis, in the order given (repeats allowed): [N, …] → [indices.count, …].
  public func gatherRows(_ indices: [Int]) -> Tensor {
    let per = shape.first.map { $0 == 0 ? 0 : count / $0 } ?? 0
    var out = Tensor(uninitialized: [indices.count] + shape.dropFirst())
    data.withUnsafeBufferPointer { src in
      out.data.withUnsafeMutableBufferPointer { dst in
        for (k, i) in indices.enumerated() {
          precondition((0..<shape[0]).contains(i), "gatherRows: row \(i) of \(shape[0])")
          (dst.baseAddress! + k * per).update(from: src.baseAddress! + i * per, count: per)
        }
      }
    }
    return out
  }
}
