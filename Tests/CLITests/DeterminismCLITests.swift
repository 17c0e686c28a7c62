import Foundation
import TestSupport
import Testing

/// The determinism promise of docs/reliability.md: the same `cliptune train` (shuffle, random
/// captions, crop-flip augmentation and LoRA dropout all on) at a given thread count writes
/// byte-identical adapters and losses when run alone, run twice at once, and run next to processes
/// that keep every core busy.
struct DeterminismCLITests {
  static let args = ["--model", Fixtures.url("clip/tiny").path, "--data", Fixtures.url("train_parity/shapes/dataset.json").path,
                     "--captions", "random", "--augment", "crop-flip", "--lora-dropout", "0.1", "--epochs", "2",
                     "--batch-size", "8", "--seed", "3", "--threads", "2", "--val-split", "none"]

  /// Trains into `dir/name` and returns the adapter's bytes and the per-step losses.
  static func train(_ dir: URL, _ name: String) throws -> (adapter: Data, losses: [Double]) {
    let out = dir.appendingPathComponent(name)
    let r = try CommandLineTool.run(["train"] + args + ["--output", out.path])
    #expect(r.status == 0, "\(name): \(r.stderr)")
    let adapter = try Data(contentsOf: out.appendingPathComponent("adapter/adapter_model.safetensors"))
    let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
    let losses = try lines.compactMap { line -> Double? in
      let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
      return record["split"] == nil ? (record["loss"] as? NSNumber)?.doubleValue : nil
    }
    return (adapter, losses)
  }

  /// Processes that spin on every core until killed.
  static func startHogs() throws -> [Process] {
    try (0..<max(2, ProcessInfo.processInfo.activeProcessorCount)).map { _ in
      let p = Process()
      p.executableURL = URL(fileURLWithPath: "/bin/sh")
      p.arguments = ["-c", "while :; do :; done"]
      try p.run()
      return p
    }
  }

  @Test func trainingIsBitIdenticalAloneConcurrentlyAndUnderLoad() throws {
    let dir = Fixtures.temporaryDirectory("determinism")
    let alone = try Self.train(dir, "alone")
    #expect(alone.losses.count >= 8)
    // The run records what its results depend on: the thread count and the GEMM kernels.
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("alone/config.json"))) as! [String: Any]
    #expect(config["threads"] as? Int == 2)
    let backend = config["computeBackend"] as? String ?? ""
    #expect(["oneDNN ", "OpenBLAS ", "Accelerate"].contains { backend.hasPrefix($0) } && (backend.contains("(") || backend == "Accelerate"),
            "computeBackend '\(backend)' names neither the library nor its kernels")

    // Two at once, in one test process's threads.
    var pair: [(adapter: Data, losses: [Double])?] = [nil, nil]
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: 2) { i in
      let result = try? Self.train(dir, "concurrent-\(i)")
      lock.lock(); pair[i] = result; lock.unlock()
    }

    let hogs = try Self.startHogs()
    defer { for h in hogs { kill(h.processIdentifier, SIGKILL); h.waitUntilExit() } }  // sh may not die of SIGTERM here
    let loaded = try Self.train(dir, "loaded")

    for (name, run) in [("concurrent-0", pair[0]), ("concurrent-1", pair[1]), ("loaded", loaded)] {
      guard let run else { Issue.record("\(name) did not finish"); continue }
      #expect(mismatches(run.losses, alone.losses) == nil, "\(name) losses")
      #expect(run.adapter == alone.adapter, "\(name): adapter bytes differ from the run alone")
    }
  }
}
