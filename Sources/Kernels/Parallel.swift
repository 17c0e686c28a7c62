import Dispatch
import Foundation
#if canImport(COpenMP)
import COpenMP
#endif

/// Work splitting for the non-GEMM kernels, on the same OpenMP pool as oneDNN's GEMMs (Linux;
/// Dispatch on macOS), so the threads a GEMM just used pick up the next kernel instead of
/// spinning beside a second pool. A GEMM called inside a chunk runs on that chunk's thread.
public enum Parallel {
  /// Number of worker threads used by `forEach`: `ComputeContext.threads`.
  public static var threads: Int { ComputeContext.threads }

  /// Runs `body(range)` over disjoint chunks covering `0..<count`, in parallel when the work is
  /// large enough. `grain` is the minimum number of items worth a separate chunk. The chunks depend
  /// only on `count`, `grain` and the thread count, never on which thread runs which.
  @inlinable
  public static func forEach(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = Swift.min(threads, Swift.max(1, count / Swift.max(grain, 1)))
    if chunks <= 1 { body(0..<count); return }
    run(chunks: chunks, per: (count + chunks - 1) / chunks, count: count, body)
  }

  /// Chunk c covers `c·per ..< min(count, (c+1)·per)`; chunks run on up to `chunks` threads.
  @usableFromInline
  static func run(chunks: Int, per: Int, count: Int, _ body: (Range<Int>) -> Void) {
    #if canImport(COpenMP)
    withoutActuallyEscaping(body) { body in
      var job = Job(chunks: chunks, per: per, count: count, body: body)
      withUnsafeMutablePointer(to: &job) { pointer in
        GOMP_parallel({ raw in
          let job = raw!.assumingMemoryBound(to: Job.self).pointee
          let team = Int(omp_get_num_threads())
          var c = Int(omp_get_thread_num())
          while c < job.chunks {  // a team smaller than asked for still covers every chunk
            let lo = c * job.per, hi = Swift.min(job.count, lo + job.per)
            if lo < hi { job.body(lo..<hi) }
            c += team
          }
        }, pointer, UInt32(chunks), 0)
      }
    }
    #else
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let lo = c * per, hi = Swift.min(count, lo + per)
      if lo < hi { body(lo..<hi) }
    }
    #endif
  }

  #if canImport(COpenMP)
  /// What each OpenMP thread reads to find its chunks.
  private struct Job {
    let chunks: Int, per: Int, count: Int
    let body: (Range<Int>) -> Void
  }
  #endif
}
