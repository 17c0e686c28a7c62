import ArgumentParser
import Tensors

/// `--threads N` and `--gemm NAME`: the thread count of every computation in this process (GEMMs
/// and our kernels) and the GEMM library, set once through `ComputeContext` before anything is
/// computed.
struct ComputeOptions: ParsableArguments {
  @Option(help: ArgumentHelp(
    "Threads for all computation (default: every core this process may use). Results are bit-identical for a given thread count.",
    valueName: "N"))
  var threads: Int?

  @Option(help: ArgumentHelp(
    "GEMM library: \(GEMMBackend.available.map(\.rawValue).joined(separator: " or ")) (default: \(GEMMBackend.preferred.rawValue), the fastest here; see `bench gemm`).",
    valueName: "NAME"))
  var gemm: String?

  func validate() throws {
    if let threads, !(1...ComputeContext.maxThreads).contains(threads) {
      throw ValidationError("--threads must be between 1 and \(ComputeContext.maxThreads), got \(threads)")
    }
    _ = try backend()
  }

  /// The `--gemm` backend, nil when not given.
  func backend() throws -> GEMMBackend? {
    guard let gemm else { return nil }
    guard let b = GEMMBackend(rawValue: gemm.lowercased()), GEMMBackend.available.contains(b) else {
      throw ValidationError("--gemm must be \(GEMMBackend.available.map(\.rawValue).joined(separator: " or ")), got '\(gemm)'")
    }
    return b
  }

  /// Configures the process's compute context; call first in `run()`. `recorded` (a run's own
  /// settings, on resume) fills in what the command line leaves out.
  func apply(recordedThreads: Int? = nil, recordedBackend: String? = nil) {
    ComputeContext.configure(threads: threads ?? recordedThreads,
                             gemm: (try? backend()) ?? recordedBackend.flatMap(GEMMBackend.init(described:)))
  }
}
