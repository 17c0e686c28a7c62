import Foundation
import Preprocessing

/// Renders, encodes and writes synthetic images as PNGs, spread over the cores.
enum SyntheticImageWriter {
  /// Writes image `i` of `0..<count` (`scene(i)` at `size` pixels) to `file(i)`; calls `progress`
  /// with the number written so far; throws the first failure as a `DatasetError` naming the file.
  static func write(count: Int, size: Int, scene: (Int) -> SyntheticScene, file: (Int) -> URL,
                    progress: (@Sendable (Int) -> Void)?) throws {
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count))
    let state = RenderState()
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for i in stride(from: worker, to: count, by: workers) {
        if state.failed { return }
        let url = file(i)
        do {
          let png = try PNGEncoder.encode(SyntheticRasterizer.render(scene(i), size: size))
          try png.write(to: url, options: .atomic)
        } catch {
          state.fail(DatasetError(file: url.path, message: "cannot write image: \(error)"))
          return
        }
        let done = state.finishOne()
        progress?(done)
      }
    }
    if let error = state.error { throw error }
  }
}

/// Shared between render workers: the first error and the number of finished images.
private final class RenderState: @unchecked Sendable {
  private let lock = NSLock()
  private var firstError: Error?
  private var finished = 0

  var failed: Bool { lock.lock(); defer { lock.unlock() }; return firstError != nil }
  var error: Error? { lock.lock(); defer { lock.unlock() }; return firstError }
  func fail(_ e: Error) { lock.lock(); if firstError == nil { firstError = e }; lock.unlock() }
  func finishOne() -> Int { lock.lock(); defer { lock.unlock() }; finished += 1; return finished }
}
