import ArgumentParser
import Tensors

/// `--threads N`: the thread count of every computation in this process (GEMMs and our kernels),
/// set once through `ComputeContext` before anything is computed.
struct ComputeOptions: ParsableArguments {
  @Option(help: ArgumentHelp(
    "Threads for all computation (default: every core this process may use). Results are bit-identical for a given thread count.",
    valueName: "N"))
  var threads: Int?

  func validate() throws {
    if let threads, !(1...ComputeContext.maxThreads).contains(threads) {
      throw ValidationError("--threads must be between 1 and \(ComputeContext.maxThreads), got \(threads)")
    }
  }

  /// Configures the process's compute context; call first in `run()`.
  func apply() { ComputeContext.configure(threads: threads) }
}
