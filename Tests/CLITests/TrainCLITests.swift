import Foundation
import SafeTensors
import TestSupport
import Testing

/// `cliptune train` end to end on the committed tiny model and the generated shapes dataset
/// (Tests/Fixtures/train_parity/shapes: 48 train / 16 val images, 4 colours × 4 shapes).
struct TrainCLITests {
  let model = Fixtures.url("clip/tiny").path
  let shapes = Fixtures.url("train_parity/shapes/dataset.json").path

  func run(_ args: [String]) throws -> CommandLineTool.Result { try CommandLineTool.run(args) }

  func evaluations(_ run: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
      .filter { $0["split"] != nil }
  }

  func r1(_ record: [String: Any]) -> Double {
    let i2t = (record["image_to_text"] as! [String: Any])["R@1"] as! Double
    let t2i = (record["text_to_image"] as! [String: Any])["R@1"] as! Double
    return (i2t + t2i) / 2
  }

  @Test func shortLoRATrainingImprovesHeldOutRetrieval() throws {
    let out = Fixtures.temporaryDirectory("train").appendingPathComponent("run")
    let r = try run(["train", "--model", model, "--data", shapes, "--output", out.path, "--lr", "5e-3", "--lora-rank", "8",
                     "--batch-size", "16", "--epochs", "20", "--eval-every", "30", "--seed", "0"])
    #expect(r.status == 0, "\(r.stderr)")
    let evals = try evaluations(out)
    #expect(evals.count == 3)  // before, step 30, end
    let before = r1(evals.first!), after = r1(evals.last!)
    // Chance is 1/16 = 6.25%. Measured with seed 0: 3.1 → 42.2 (mean of both directions).
    #expect(after >= before + 15, "val R@1 \(before) → \(after)")
    for file in ["config.json", "metrics.jsonl", "report.html", "adapter/adapter_config.json", "adapter/adapter_model.safetensors"] {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "missing \(file)")
    }
    let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(report.contains("<svg") && report.contains("class=\"card\""))
    #expect(r.stderr.contains("trainable params: "))
  }

  /// With the default GEMM backend and with OpenBLAS: `--resume` alone computes on the run's own
  /// recorded backend (oneDNN and OpenBLAS round differently, so the adapters would differ).
  @Test(arguments: [nil, "openblas"]) func killedRunResumesToTheSameResult(gemm: String?) throws {
    let dir = Fixtures.temporaryDirectory("resume-\(gemm ?? "default")")
    // Randomness everywhere it can be: shuffling, random captions, crop-flip, LoRA dropout.
    let common = ["--model", model, "--data", shapes, "--lr", "2e-3", "--batch-size", "8", "--epochs", "10",
                  "--save-every", "5", "--augment", "crop-flip", "--captions", "random", "--lora-dropout", "0.1",
                  "--seed", "7", "--val-split", "none"] + (gemm.map { ["--gemm", $0] } ?? [])
    let whole = dir.appendingPathComponent("whole"), killed = dir.appendingPathComponent("killed")
    #expect(try run(["train", "--output", whole.path] + common).status == 0)

    let wasKilled = try CommandLineTool.runAndKill(["train", "--output", killed.path] + common,
                                                   whenFile: killed.appendingPathComponent("metrics.jsonl"), hasLines: 12)
    #expect(wasKilled, "the run finished before it could be killed")
    #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("adapter").path))

    let resumed = try run(["train", "--resume", killed.path])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("resuming"))
    let a = try Data(contentsOf: whole.appendingPathComponent("adapter/adapter_model.safetensors"))
    let b = try Data(contentsOf: killed.appendingPathComponent("adapter/adapter_model.safetensors"))
    #expect(a == b, "resumed adapter differs from the uninterrupted run's")
    func losses(_ run: URL) throws -> [Double] {
      try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.compactMap { $0["loss"] as? Double }
    }
    #expect(try losses(whole) == losses(killed))
  }



  @Test func badTrainingInputsAreClearErrors() throws {
    let out = Fixtures.temporaryDirectory("bad").appendingPathComponent("run").path
    let base = ["train", "--model", model, "--data", shapes, "--output", out, "--max-steps", "1"]
    try CommandLineTool.expectFailure(base + ["--lora-targets", "q_proj,query"], mentions: ["query"])
    try CommandLineTool.expectFailure(base + ["--lora-rank", "0"], mentions: ["--lora-rank"])
    try CommandLineTool.expectFailure(base + ["--train-split", "nonexistent"], mentions: ["nonexistent", "dataset.json"])
    let badAdapter = Fixtures.temporaryDirectory("bad-adapter")
    try Data("{not json".utf8).write(to: badAdapter.appendingPathComponent("adapter_config.json"))
    try CommandLineTool.expectFailure(base + ["--adapter", badAdapter.path], mentions: ["adapter_config.json"])
    try CommandLineTool.expectFailure(["train", "--resume", "/nonexistent/run"], mentions: ["/nonexistent/run"])
    #expect(!FileManager.default.fileExists(atPath: out + "/adapter"))
  }

  @Test func dryRunPrintsPEFTsSummary() throws {
    let r = try run(["train", "--model", model, "--data", shapes, "--output", "/tmp/unused", "--lora-rank", "4", "--dry-run"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("trainable params: 8,960 || all params: 108,737 || trainable%: 8.2401"))
  }
}

/// `cliptune merge` and the NaN guard.
struct MergeAndDivergenceTests {
  let model = Fixtures.url("clip/tiny").path
  let shapes = Fixtures.url("train_parity/shapes/dataset.json").path

  @Test func mergedModelEmbedsLikeTheAdapter() throws {
    let dir = Fixtures.temporaryDirectory("merge")
    let adapter = Fixtures.url("peft/tiny_lora").path, merged = dir.appendingPathComponent("merged").path
    let texts = dir.appendingPathComponent("t.txt")
    try "a red square\na blue dot\n".write(to: texts, atomically: true, encoding: .utf8)
    let m = try CommandLineTool.run(["merge", "--model", model, "--adapter", adapter, "--output", merged])
    #expect(m.status == 0, "\(m.stderr)")
    for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json"] {
      #expect(FileManager.default.fileExists(atPath: merged + "/" + file), "merged folder lacks \(file)")
    }
    let a = dir.appendingPathComponent("a.safetensors").path, b = dir.appendingPathComponent("b.safetensors").path
    #expect(try CommandLineTool.run(["embed", "--model", model, "--adapter", adapter, "--texts", texts.path, "--output", a]).status == 0)
    #expect(try CommandLineTool.run(["embed", "--model", merged, "--texts", texts.path, "--output", b]).status == 0)
    let c = Closeness(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: b)).tensor("text_embeds").data,
                      try SafeTensorsFile(contentsOf: URL(fileURLWithPath: a)).tensor("text_embeds").data)
    #expect(c.maxRelToScale <= 1e-5, "merged vs adapter: \(c)")
  }

  @Test func divergingRunStopsWithAClearMessageAndKeepsItsCheckpoint() throws {
    let out = Fixtures.temporaryDirectory("nan").appendingPathComponent("run")
    // An absurd learning rate in full fine-tuning overflows the weights within a few steps.
    let r = try CommandLineTool.run(["train", "--model", model, "--data", shapes, "--output", out.path, "--method", "full",
                                     "--optimizer", "sgd", "--momentum", "0", "--lr", "1e30", "--batch-size", "8",
                                     "--epochs", "20", "--save-every", "1", "--val-split", "none"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("stopping") && (r.stderr.contains("nan") || r.stderr.contains("infinite")), "\(r.stderr)")
    #expect(!r.stderr.contains("Fatal error"))
    #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("model").path))
  }
}

/// A checkpoint write that fails at the operating-system level (a file-size limit makes `write`
/// fail with EFBIG, as a full disk fails with ENOSPC) stops the run with a clear message, leaves no
/// partial checkpoint, and `--resume` later ends where an uninterrupted run does.
struct CheckpointWriteFailureTests {
  let model = Fixtures.url("clip/tiny").path
  let shapes = Fixtures.url("train_parity/shapes/dataset.json").path

  @Test func failedCheckpointWriteLosesNothing() throws {
    let dir = Fixtures.temporaryDirectory("fsize")
    let run = dir.appendingPathComponent("run"), whole = dir.appendingPathComponent("whole")
    let args = ["train", "--model", model, "--data", shapes, "--batch-size", "16", "--epochs", "2", "--save-every", "3",
                "--lora-rank", "64", "--val-split", "none", "--seed", "3"]
    // bash ignores SIGXFSZ (inherited across exec) and caps files at 40 KB: the 64-rank adapter's
    // weights (~150 KB) cannot be written, the config and metrics can.
    let limited = Process()
    limited.executableURL = URL(fileURLWithPath: "/bin/bash")
    let quoted = ([CommandLineTool.executable.path] + args + ["--output", run.path]).map { "'\($0)'" }.joined(separator: " ")
    limited.arguments = ["-c", "trap '' XFSZ; ulimit -f 40; exec \(quoted)"]
    let err = Pipe()
    limited.standardError = err
    limited.standardOutput = FileHandle.nullDevice
    try limited.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    limited.waitUntilExit()
    #expect(limited.terminationStatus != 0)
    #expect(message.contains("checkpoint at step 3 could not be written") && message.contains("File too large"), "\(message)")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("checkpoints").path)
    #expect(leftovers.isEmpty, "partial checkpoint left: \(leftovers)")
    #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("config.json").path))

    let resumed = try CommandLineTool.run(["train", "--resume", run.path])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(try CommandLineTool.run(args + ["--output", whole.path]).status == 0)
    let a = try Data(contentsOf: run.appendingPathComponent("adapter/adapter_model.safetensors"))
    let b = try Data(contentsOf: whole.appendingPathComponent("adapter/adapter_model.safetensors"))
    #expect(a == b)
  }
}

/// A real full disk: the run folder on a 2.5 MB tmpfs (mounted in a user and mount namespace, so no
/// privileges are needed) holds the first checkpoint (1.7 MB) but not the second. The write fails
/// with ENOSPC: the run stops with a message naming the checkpoint and the cause, the first
/// checkpoint stays whole, no partial one is left, and resuming from it ends where an uninterrupted
/// run does. Runs where `unshare -rm` works (Linux with unprivileged user namespaces).
struct DiskFullTests {
  static let namespacesWork: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    p.arguments = ["-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
  }()

  @Test(.enabled(if: namespacesWork)) func fullDiskDuringCheckpointLosesNothing() throws {
    let dir = Fixtures.temporaryDirectory("enospc")
    let disk = dir.appendingPathComponent("disk"), kept = dir.appendingPathComponent("kept")
    let whole = dir.appendingPathComponent("whole")
    try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
    let args = ["train", "--model", Fixtures.url("clip/tiny").path, "--data", Fixtures.url("train_parity/shapes/dataset.json").path,
                "--batch-size", "16", "--epochs", "2", "--save-every", "3", "--lora-rank", "64", "--val-split", "none", "--seed", "3"]
    let train = ([CommandLineTool.executable.path] + args + ["--output", disk.appendingPathComponent("run").path])
      .map { "'\($0)'" }.joined(separator: " ")
    // The tmpfs lives as long as the namespace: run, then copy what is left out of it.
    let script = "mount -t tmpfs -o size=2500k tmpfs '\(disk.path)' && { \(train); echo \"exit=$?\" >&2; }; cp -r '\(disk.path)/run' '\(kept.path)'"
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
    p.arguments = ["-rm", "sh", "-c", script]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(message.contains("exit=") && !message.contains("exit=0"), "\(message)")
    #expect(message.contains("checkpoint at step 6 could not be written") && message.contains("No space left on device"), "\(message)")
    let checkpoints = try FileManager.default.contentsOfDirectory(atPath: kept.appendingPathComponent("checkpoints").path).sorted()
    #expect(checkpoints == ["latest", "step-00000003"], "\(checkpoints)")

    let resumed = try CommandLineTool.run(["train", "--resume", kept.path])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(try CommandLineTool.run(args + ["--output", whole.path]).status == 0)
    let a = try Data(contentsOf: kept.appendingPathComponent("adapter/adapter_model.safetensors"))
    let b = try Data(contentsOf: whole.appendingPathComponent("adapter/adapter_model.safetensors"))
    #expect(a == b)
  }
}

