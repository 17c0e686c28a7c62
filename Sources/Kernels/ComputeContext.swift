import CKernels
import Foundation
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// The process's compute settings, configured once: the GEMM library (`GEMMBackend`) and how many
/// threads it and our own kernels (`Parallel.forEach`) use.
///
/// One thread policy for everything: oneDNN and our kernels share one pool, OpenMP's, with
/// `threads` workers (the caller included); a kernel never runs inside a GEMM and a GEMM inside a
/// kernel's chunk runs on that chunk's thread, so nothing nests. OpenBLAS (`--gemm openblas`) keeps
/// its own pool of `threads`. Nothing changes these during computation (OpenBLAS's count is
/// process-global, so flipping it while another thread is inside a GEMM races): a command calls
/// `configure` once, before it computes anything (`--threads N`, `--gemm NAME`); otherwise the
/// first computation configures the defaults: every core the process may run on, the preferred
/// backend. Results are bit-identical for a given backend and thread count on a given machine;
/// see docs/reliability.md for what other thread counts change.
public enum ComputeContext {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var configured: (threads: Int, gemm: GEMMBackend)?

  /// The default thread count: the processors this process may run on.
  public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

  /// The most threads `configure` accepts.
  public static let maxThreads = 1024

  /// Threads for GEMMs and for our own parallel kernels (configures the defaults on first use).
  public static var threads: Int { current.threads }

  /// The GEMM library every `BLAS.gemm` runs on (configures the defaults on first use).
  public static var gemmBackend: GEMMBackend { current.gemm }

  /// Both settings, read under one lock (configures the defaults on first use).
  public static var current: (threads: Int, gemm: GEMMBackend) {
    lock.lock(); defer { lock.unlock() }
    if let c = configured { return c }
    return apply(threads: defaultThreads, gemm: .preferred)
  }

  /// Sets the thread count and the GEMM backend (nil: the defaults) for the rest of the process.
  /// Call once, before any computation; calling again with the same settings is harmless, with
  /// others after computation has started is a programmer error.
  public static func configure(threads requested: Int?, gemm: GEMMBackend? = nil) {
    let count = requested ?? defaultThreads, backend = gemm ?? .preferred
    precondition((1...maxThreads).contains(count), "thread count \(count) outside 1…\(maxThreads) (validate --threads first)")
    precondition(GEMMBackend.available.contains(backend), "GEMM backend \(backend) is not in this build (validate --gemm first)")
    lock.lock(); defer { lock.unlock() }
    if let c = configured {
      precondition(c.threads == count && c.gemm == backend,
                   "ComputeContext configured with \(c.threads) threads on \(c.gemm), then asked for \(count) on \(backend)")
      return
    }
    _ = apply(threads: count, gemm: backend)
  }

  /// The GEMM library and the kernel set it runs on this machine, e.g. "oneDNN 2.6.3
  /// (avx512_core_bf16)" or "OpenBLAS 0.3.21 (Haswell kernels)". Run folders record it, and
  /// `--resume` warns when it changed.
  public static var backend: String { gemmBackend.description }

  /// The instruction set the C elementwise kernels (CKernels: dropout masks) were picked for when
  /// the program loaded: "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2), "x86-64", or "other".
  public static var elementwiseISA: String { String(cString: cliptune_ckernels_isa()) }

  /// Records the settings and hands the thread count to OpenBLAS (oneDNN's OpenMP team is sized
  /// per call, `BLAS.gemm`). Called with `lock` held.
  private static func apply(threads count: Int, gemm: GEMMBackend) -> (threads: Int, gemm: GEMMBackend) {
    configured = (count, gemm)
    #if !canImport(Accelerate)
    openblas_set_num_threads(Int32(count))
    #endif
    return (count, gemm)
  }
}
