import Foundation
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The process's compute settings, configured once: how many threads the GEMM library (OpenBLAS)
/// and our own kernels (`Parallel.forEach`) use.
///
/// Nothing changes these during computation: the BLAS library's thread count is process-global,
/// so flipping it while another thread is inside a GEMM races. A command calls `configure` once,
/// before it computes anything (`--threads N`); otherwise the first computation configures the
/// default, every core the process may run on. Results are bit-identical for a given thread count
/// on a given machine; see docs/reliability.md for what other thread counts change.
public enum ComputeContext {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var configuredThreads: Int?

  /// The default thread count: the processors this process may run on.
  public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

  /// The most threads `configure` accepts.
  public static let maxThreads = 1024

  /// Threads for GEMMs and for our own parallel kernels (configures the default on first use).
  public static var threads: Int {
    lock.lock(); defer { lock.unlock() }
    if let t = configuredThreads { return t }
    return apply(defaultThreads)
  }

  /// Sets the thread count (nil: the default) for the rest of the process. Call once, before any
  /// computation; calling again with the same count is harmless, with another count after
  /// computation has started is a programmer error.
  public static func configure(threads requested: Int?) {
    let count = requested ?? defaultThreads
    precondition((1...maxThreads).contains(count), "thread count \(count) outside 1…\(maxThreads) (validate --threads first)")
    lock.lock(); defer { lock.unlock() }
    if let t = configuredThreads {
      precondition(t == count, "ComputeContext configured with \(t) threads, then asked for \(count)")
      return
    }
    _ = apply(count)
  }

  /// The GEMM library and the kernel set it runs on this machine, e.g. "OpenBLAS 0.3.21
  /// (Cooperlake kernels)". OpenBLAS picks its kernels from the CPU, or from OPENBLAS_CORETYPE when
  /// set; different kernels round differently, so results are bit-identical only for the same
  /// backend (run folders record it, and `--resume` warns when it changed).
  public static var backend: String {
    #if canImport(Accelerate)
    return "Accelerate"
    #else
    let config = String(cString: openblas_get_config())  // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64"
    let version = config.split(separator: " ").prefix(2).joined(separator: " ")
    return "\(version) (\(String(cString: openblas_get_corename())) kernels)"
    #endif
  }

  /// Records `count` and hands it to the BLAS library. Called with `lock` held.
  private static func apply(_ count: Int) -> Int {
    configuredThreads = count
    #if !canImport(Accelerate)
    openblas_set_num_threads(Int32(count))
    #endif
    return count
  }
}
