import Tensors

/// Weights that hold NaN or ±Inf, which would make every output NaN: thrown at load unless the
/// caller allows them. The description names the file and each tensor with its count.
public struct NonfiniteWeightsError: Error, CustomStringConvertible, Sendable {
  /// The checkpoint (file or index) the weights came from.
  public let file: String
  /// Each offending tensor and how many of its values are NaN or ±Inf, in load order.
  public let tensors: [(name: String, count: Int)]

  public init(file: String, tensors: [(name: String, count: Int)]) {
    self.file = file
    self.tensors = tensors
  }

  public var description: String {
    let shown = tensors.prefix(3).map { "tensor '\($0.name)' holds \($0.count) NaN/Inf value\($0.count == 1 ? "" : "s")" }
    let more = tensors.count > 3 ? " (and \(tensors.count - 3) more tensors)" : ""
    return "\(file): \(shown.joined(separator: ", "))\(more)"
  }
}

extension Tensor {
  /// How many elements are NaN or ±Inf (exponent bits all set), in one pass.
  public var nonfiniteCount: Int {
    data.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: UInt32.self) { bits in
        var n = 0
        for b in bits where b & 0x7F80_0000 == 0x7F80_0000 { n += 1 }
        return n
      }
    }
  }
}
