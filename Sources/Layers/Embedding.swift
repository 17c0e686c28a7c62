import Tensors

/// A lookup table: ids [N] → rows [N, D] of `weight` [V, D].
public final class Embedding: ParameterContainer {
  public let weight: Parameter  // [V, D]
  private var cachedIDs: [Int]?

  public init(_ prefix: String, count: Int, dim: Int) {
    weight = Parameter("\(prefix).weight", Tensor(zeros: [count, dim]))
  }

  public var count: Int { weight.shape[0] }
  public var dim: Int { weight.shape[1] }
  public var parameters: [Parameter] { [weight] }

  /// ids: N indices in 0..<count → [N, D]. Precondition: every id is in range (callers validate input).
  public func forward(_ ids: [Int], training: Bool = false) -> Tensor {
    let d = dim
    var out = Tensor(uninitialized: [ids.count, d])
    weight.value.data.withUnsafeBufferPointer { w in
      out.data.withUnsafeMutableBufferPointer { o in
        for (row, id) in ids.enumerated() {
          precondition(id >= 0 && id < count, "embedding id \(id) out of range 0..<\(count)")
          (o.baseAddress! + row * d).update(from: w.baseAddress! + id * d, count: d)
        }
      }
    }
    cachedIDs = training && weight.trainable ? ids : nil
    return out
  }

  /// dy: [N, D]; scatter-adds row i into the gradient of row ids[i] (when the table trains).
  public func backward(_ dy: Tensor) {
    guard weight.trainable else { return }
    guard let ids = cachedIDs else { preconditionFailure("\(weight.name): backward without a training forward") }
    cachedIDs = nil
    let d = dim
    dy.data.withUnsafeBufferPointer { g in
      weight.accumulateGradient { dw in
        for (row, id) in ids.enumerated() {
          let src = g.baseAddress! + row * d, dst = dw + id * d
          for j in 0..<d { dst[j] += src[j] }
        }
      }
    }
  }
}
