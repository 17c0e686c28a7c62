import Dispatch
import Foundation

/// Work splitting for the non-GEMM kernels. BLAS runs its own threads; these kernels never run
/// inside a BLAS call, so the two pools never nest.
public enum Parallel {
  /// Number of worker threads used by `forEach`: `ComputeContext.threads`.
  public static var threads: Int { ComputeContext.threads }

  /// Runs `body(range)` over disjoint chunks covering `0..<count`, in parallel when the work is
  /// large enough. `grain` is the minimum number of items worth a separate chunk.
  @inlinable
  public static func forEach(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = Swift.min(threads, Swift.max(1, count / Swift.max(grain, 1)))
    if chunks <= 1 { body(0..<count); return }
    let per = (count + chunks - 1) / chunks
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let lo = c * per, hi = Swift.min(count, lo + per)
      if lo < hi { body(lo..<hi) }
    }
  }
}
