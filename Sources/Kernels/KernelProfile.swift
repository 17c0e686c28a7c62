import Dispatch
import Foundation
#if canImport(COpenMP)
import COpenMP
#endif

/// Wall time of the non-GEMM kernels while profiling is on, by kind, for `bench`'s split of a step
/// ("kernels: attention 0.21 s, activation 0.04 s, …"). Like `GEMMProfile` it counts top-level
/// calls only (a kernel called inside another's parallel chunk is that kernel's time), and when off
/// it costs one load per call.
public enum KernelProfile {
  /// The kernels timed, in the order `bench` prints them.
  public enum Kind: String, CaseIterable, Sendable {
    case attention = "attention"                  // per-head products, softmax, probability dropout
    case attentionBackward = "attention backward"
    case activation = "activation"
    case activationBackward = "activation backward"
    case layerNorm = "LayerNorm"
    case layerNormBackward = "LayerNorm backward"
    case adam = "Adam(W)"
    case biasGradient = "bias gradients"
    case add = "tensor adds"                       // residual connections
  }

  /// Seconds and calls of each kind counted between `start()` and `stop()`.
  public struct Totals: Sendable {
    public var seconds: [Kind: Double] = [:]
    public var calls: [Kind: Int] = [:]
    /// All kinds together.
    public var total: Double { seconds.values.reduce(0, +) }
  }

  static let counter = ProfileCounter(Totals())

  /// Starts counting from zero.
  public static func start() { counter.start() }

  /// Stops counting and returns the totals.
  @discardableResult
  public static func stop() -> Totals { counter.stop() }

  /// Runs `body`, counting its wall time as `kind` when profiling is on and this is a top-level call.
  @inlinable
  public static func measure<R>(_ kind: Kind, _ body: () throws -> R) rethrows -> R {
    guard isCounting() else { return try body() }
    let t0 = DispatchTime.now().uptimeNanoseconds
    defer { record(kind, seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9) }
    return try body()
  }

  @usableFromInline
  static func isCounting() -> Bool {
    #if canImport(COpenMP)
    counter.enabled && omp_in_parallel() == 0
    #else
    counter.enabled
    #endif
  }

  @usableFromInline
  static func record(_ kind: Kind, seconds: Double) {
    counter.update { totals in
      totals.seconds[kind, default: 0] += seconds
      totals.calls[kind, default: 0] += 1
    }
  }
}
