import Foundation

/// A dense, row-major, contiguous Float32 tensor.
///
/// Storage is a Swift array, so copies are copy-on-write and a `Tensor` is a value. Hot kernels
/// reach the storage through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`.
public struct Tensor: Sendable, Equatable {
  /// Sizes of each dimension, outermost first.
  public private(set) var shape: [Int]
  /// Elements in row-major order; `data.count == shape.product`.
  public var data: [Float]

  /// Wraps `data` with `shape`. Precondition: the element counts agree.
  public init(shape: [Int], data: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
    precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) elements")
    self.shape = shape
    self.data = data
  }

  /// A tensor of zeros.
  public init(zeros shape: [Int]) {
    self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
  }

  /// A tensor whose elements are not initialised: every element must be written before it is read.
  /// For outputs that a kernel overwrites completely (GEMM with beta = 0), saving a zero-fill pass.
  public init(uninitialized shape: [Int]) {
    let n = shape.reduce(1, *)
    self.init(shape: shape, data: [Float](unsafeUninitializedCapacity: n) { _, count in count = n })
  }

  /// A tensor filled with `value`.
  public init(repeating value: Float, shape: [Int]) {
    self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
  }

  /// Number of elements.
  @inlinable public var count: Int { data.count }
  /// Number of dimensions.
  @inlinable public var rank: Int { shape.count }

  /// The same elements viewed with another shape of equal element count.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    Tensor(shape: newShape, data: data)
  }

  /// Changes the shape in place (same element count).
  public mutating func reshape(_ newShape: [Int]) {
    precondition(newShape.reduce(1, *) == data.count, "cannot reshape \(shape) to \(newShape)")
    shape = newShape
  }

  /// Rows `range` along the first dimension.
  public func rows(_ range: Range<Int>) -> Tensor {
    precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0])
    let inner = count / Swift.max(shape[0], 1)
    var newShape = shape
    newShape[0] = range.count
    return Tensor(shape: newShape, data: Array(data[(range.lowerBound * inner)..<(range.upperBound * inner)]))
  }

  /// Concatenates tensors along the first dimension; trailing dimensions must agree.
  public static func concatenate(_ parts: [Tensor]) -> Tensor {
    guard let first = parts.first else { return Tensor(zeros: [0]) }
    let inner = Array(first.shape.dropFirst())
    var data: [Float] = []
    data.reserveCapacity(parts.reduce(0) { $0 + $1.count })
    var rows = 0
    for p in parts {
      precondition(Array(p.shape.dropFirst()) == inner, "concatenate: \(p.shape) vs \(first.shape)")
      data += p.data
      rows += p.shape[0]
    }
    return Tensor(shape: [rows] + inner, data: data)
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let head = data.prefix(6).map { String(format: "%.5g", $0) }.joined(separator: ", ")
    return "Tensor(\(shape), [\(head)\(count > 6 ? ", …" : "")])"
  }
}
