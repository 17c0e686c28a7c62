import Dispatch
import Foundation

/// Wall time and FLOPs of the GEMM library calls made while profiling is on, for `bench`'s split
/// of a step ("GEMMs 2.31 s at 424 GFLOP/s"). Counts top-level calls only: a product issued inside
/// a parallel kernel's chunk (attention's per-head products) is that kernel's time. Off by default;
/// when off it costs one load per GEMM.
public enum GEMMProfile {
  /// What was counted between `start()` and `stop()`.
  public struct Totals: Sendable {
    public var seconds: Double = 0
    public var flops: Double = 0
    public var calls = 0
    /// GFLOP/s over the counted calls.
    public var gflops: Double { seconds > 0 ? flops / seconds / 1e9 : 0 }
  }

  static let counter = ProfileCounter(Totals())
  static var enabled: Bool { counter.enabled }

  /// Starts counting from zero.
  public static func start() { counter.start() }

  /// Stops counting and returns the totals.
  @discardableResult
  public static func stop() -> Totals { counter.stop() }

  /// Runs one GEMM of m×n×k, counting it.
  static func timed(m: Int, n: Int, k: Int, _ body: () -> Void) {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    counter.update { totals in
      totals.seconds += seconds
      totals.flops += 2 * Double(m) * Double(n) * Double(k)
      totals.calls += 1
    }
  }
}
