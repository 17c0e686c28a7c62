import Layers
import Tensors

/// The total L2 norm of every gradient present (parameters whose `grad` is nil are ignored), as
/// `torch.nn.utils.clip_grad_norm_` measures it: the norm of the per-tensor norms. Sums of
/// squares are accumulated in Double blocks, so the result is within an ulp or so of PyTorch's.
public func gradientNorm(_ parameters: [Parameter]) -> Float {
  var total = 0.0
  for p in parameters {
    guard let g = p.grad else { continue }
    let norm = Float(g.data.withUnsafeBufferPointer { GradientKernels.sumOfSquares($0) }.squareRoot())  // per tensor, float32
    total += Double(norm) * Double(norm)
  }
  return Float(total.squareRoot())
}

/// `torch.nn.utils.clip_grad_norm_(parameters, maxNorm)`: when the total gradient norm exceeds
/// `maxNorm`, scales every gradient by maxNorm / (norm + 1e-6). Returns the norm before clipping.
/// When the norm is not finite the gradients are left as they are (PyTorch would turn them into
/// NaN); check `gradientsAreFinite` and skip the step.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
  let norm = gradientNorm(parameters)
  guard norm.isFinite else { return norm }
  let coefficient = (1 / (norm + 1e-6)) * maxNorm  // PyTorch: max_norm / t is t.reciprocal() * max_norm
  guard coefficient < 1 else { return norm }
  for p in parameters where p.grad != nil {
    p.grad!.data.withUnsafeMutableBufferPointer { GradientKernels.scale($0, by: coefficient) }
  }
  return norm
}

/// True when no gradient holds NaN or ±infinity (parameters whose `grad` is nil are ignored).
public func gradientsAreFinite(_ parameters: [Parameter]) -> Bool {
  parameters.allSatisfy { p in p.grad.map { g in g.data.withUnsafeBufferPointer { GradientKernels.allFinite($0) } } ?? true }
}

/// Parallel, deterministic reductions over gradient buffers (the result does not depend on the
/// number of threads: fixed chunks, summed in order).
enum GradientKernels {
  static let chunk = 1 << 16

  /// Σ x² in Double: 256-element blocks summed in 16 float lanes, blocks added in Double.
  static func sumOfSquares(_ x: UnsafeBufferPointer<Float>) -> Double {
    perChunk(x) { p, n in
      var total = 0.0, i = 0
      while i + 256 <= n {
        var acc = SIMD16<Float>.zero
        for k in stride(from: i, to: i + 256, by: 16) {
          let v = UnsafeRawPointer(p + k).loadUnaligned(as: SIMD16<Float>.self)
          acc += v * v
        }
        total += Double(acc.sum())
        i += 256
      }
      while i < n { total += Double(p[i]) * Double(p[i]); i += 1 }
      return total
    }.reduce(0, +)
  }

  /// Whether every element is finite: x·0 is 0 for finite x and NaN for NaN or ±inf.
  static func allFinite(_ x: UnsafeBufferPointer<Float>) -> Bool {
    perChunk(x) { p, n in
      var acc = SIMD16<Float>.zero, i = 0
      while i + 16 <= n {
        acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self) * 0
        i += 16
      }
      var tail: Float = 0
      while i < n { tail += p[i] * 0; i += 1 }
      return (acc.sum() + tail).isNaN ? 1 : 0
    }.allSatisfy { $0 == 0 }
  }

  /// x ← x · s in place.
  static func scale(_ x: UnsafeMutableBufferPointer<Float>, by s: Float) {
    guard let base = x.baseAddress else { return }
    let p = UnsafeSendable(base)
    Parallel.forEach(x.count, grain: 1 << 15) { r in for i in r { p.pointer[i] *= s } }
  }

  /// `body(start, count)` over fixed chunks of `x`, in parallel; results in chunk order.
  private static func perChunk(_ x: UnsafeBufferPointer<Float>, _ body: (UnsafePointer<Float>, Int) -> Double) -> [Double] {
    guard let base = x.baseAddress, x.count > 0 else { return [] }
    let n = x.count, chunks = (n + chunk - 1) / chunk
    var results = [Double](repeating: 0, count: chunks)
    results.withUnsafeMutableBufferPointer { out in
      let o = UnsafeSendable(out.baseAddress!), src = UnsafeSendable(base)
      Parallel.forEach(chunks) { r in
        for c in r { o.pointer[c] = body(src.pointer + c * chunk, Swift.min(chunk, n - c * chunk)) }
      }
    }
    return results
  }
}
