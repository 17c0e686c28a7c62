#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// Commands write only regular files (never over a device, FIFO, folder or one of their own
/// inputs) and only into folders they created; a refusal writes nothing.
struct SafeOutputCLITests {
  let model = Fixtures.url("clip/tiny")
  let shapes = Fixtures.url("train_parity/shapes/dataset.json").path
  let texts = Fixtures.url("clip/tiny/e2e/texts.txt")
  let peft = Fixtures.url("peft/tiny_lora")

  @Test func deviceFifoAndFolderOutputsAreRefused() throws {
    let dir = Fixtures.temporaryDirectory("safe-out")
    let fifo = dir.appendingPathComponent("fifo")
    #expect(mkfifo(fifo.path, 0o644) == 0)
    for target in ["/dev/null", fifo.path, dir.path] {
      try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", texts.path, "--output", target], mentions: [target])
      try CommandLineTool.expectFailure(["eval", "retrieval", "--model", model.path, "--data", shapes, "--split", "val", "--output", target],
                                        mentions: [target])
    }
    // /dev/null is still the character device.
    var st = stat()
    #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", texts.path, "--output", "/nonexistent-dir/o.safetensors"],
                                      mentions: ["does not exist"])
    // Folder outputs and the benchmarks refuse devices too, before any work.
    for args in [["train", "--model", model.path, "--data", shapes, "--output", "/dev/null"], ["synth", "--output", "/dev/null"],
                 ["demo", "--output", "/dev/null"], ["bench", "embed", "--config", "b32", "--output", "/dev/null"],
                 ["bench", "train", "--output", "/dev/null"], ["zero-shot", "--model", model.path, "--data", dir.path, "--output", "/dev/null"]] {
      try CommandLineTool.expectFailure(args, mentions: ["/dev/null"])
    }
    #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
  }

  @Test func outputOntoAnInputIsRefused() throws {
    let dir = Fixtures.temporaryDirectory("safe-out")
    let copy = dir.appendingPathComponent("texts.txt")
    try FileManager.default.copyItem(at: texts, to: copy)
    let before = try Data(contentsOf: copy)
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", copy.path, "--output", copy.path],
                                      mentions: ["texts.txt", "--texts"])
    // The same file by another name (a hard link) and through "..".
    let link = dir.appendingPathComponent("link.txt")
    #expect(Glibc.link(copy.path, link.path) == 0)
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", copy.path, "--output", link.path], mentions: ["--texts"])
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", copy.path,
                                       "--output", dir.appendingPathComponent("sub/../texts.txt").path], mentions: ["--texts"])
    #expect(try Data(contentsOf: copy) == before)
    // The model's own weights.
    let weights = model.appendingPathComponent("model.safetensors")
    let weightsBefore = try Data(contentsOf: weights)
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", copy.path, "--output", weights.path],
                                      mentions: ["model.safetensors", "--model"])
    #expect(try Data(contentsOf: weights) == weightsBefore)
    // eval --output onto its --data file.
    let data = dir.appendingPathComponent("dataset.json")
    try FileManager.default.copyItem(atPath: shapes, toPath: data.path)
    try CommandLineTool.expectFailure(["eval", "retrieval", "--model", model.path, "--data", data.path, "--split", "val",
                                       "--image-root", Fixtures.url("train_parity/shapes/images").path, "--output", data.path],
                                      mentions: ["--data"])
  }

  @Test func trainRefusesAForeignNonEmptyFolder() throws {
    let dir = Fixtures.temporaryDirectory("safe-out")
    let mine = dir.appendingPathComponent("notes.txt")
    try "keep me".write(to: mine, atomically: true, encoding: .utf8)
    try CommandLineTool.expectFailure(["train", "--model", model.path, "--data", shapes, "--output", dir.path],
                                      mentions: [dir.path, "not a cliptune run folder", "notes.txt"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["notes.txt"])
    try CommandLineTool.expectFailure(["train", "--model", model.path, "--data", shapes, "--output", mine.path], mentions: ["is a file"])
    try CommandLineTool.expectFailure(["train", "--model", model.path, "--data", shapes, "--output", model.path],
                                      mentions: ["not a cliptune run folder"])
  }

  @Test func mergeRefusesAnExistingFolderAndWritesWholeFolders() throws {
    let dir = Fixtures.temporaryDirectory("safe-out")
    let other = dir.appendingPathComponent("other-model")
    try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
    try "{}".write(to: other.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    try CommandLineTool.expectFailure(["merge", "--model", model.path, "--adapter", peft.path, "--output", other.path],
                                      mentions: [other.path, "not empty"])
    #expect(try String(contentsOf: other.appendingPathComponent("config.json"), encoding: .utf8) == "{}")
    try CommandLineTool.expectFailure(["merge", "--model", model.path, "--adapter", peft.path, "--output", "/dev/null"], mentions: ["/dev/null"])
    let out = dir.appendingPathComponent("merged")
    let r = try CommandLineTool.run(["merge", "--model", model.path, "--adapter", peft.path, "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(!r.stderr.contains("merged 0"), "\(r.stderr)")
    #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
    // No temporary folder is left beside it.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["merged", "other-model"])
    // A second merge into the same (now non-empty) folder is refused.
    try CommandLineTool.expectFailure(["merge", "--model", model.path, "--adapter", peft.path, "--output", out.path], mentions: ["not empty"])
  }

  @Test func mergeOfAnAdapterThatTargetsNothingNamesAdapterAndModel() throws {
    let dir = Fixtures.temporaryDirectory("safe-out")
    let adapter = dir.appendingPathComponent("adapter")
    try FileManager.default.copyItem(at: peft, to: adapter)
    let configURL = adapter.appendingPathComponent("adapter_config.json")
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
    config["target_modules"] = ["nonexistent"]
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    let out = dir.appendingPathComponent("merged")
    try CommandLineTool.expectFailure(["merge", "--model", model.path, "--adapter", adapter.path, "--output", out.path],
                                      mentions: [adapter.path, "nonexistent", "matches no Linear layer", model.path])
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }

  @Test func runFolderIsLockedWhileInUse() throws {
    let run = try TrainRuns.finishedRun()
    let fd = open(run.appendingPathComponent(".lock").path, O_RDWR | O_CREAT, 0o644)
    #expect(fd >= 0)
    defer { close(fd) }
    _ = ftruncate(fd, 0)
    _ = "4242\n".withCString { write(fd, $0, 5) }
    #expect(flock(fd, LOCK_EX | LOCK_NB) == 0)
    try CommandLineTool.expectFailure(["train", "--resume", run.path], mentions: [run.path, "in use by another cliptune process (pid 4242)"])
  }

  @Test func configStoresAbsolutePathsSoResumeWorksFromElsewhere() throws {
    let dir = Fixtures.temporaryDirectory("safe-out")
    let shapesDir = Fixtures.url("train_parity/shapes")
    let r = try CommandLineTool.run(["train", "--model", "../../clip/tiny", "--data", "dataset.json", "--output", dir.appendingPathComponent("run").path,
                                     "--max-steps", "1", "--val-split", "none"], in: shapesDir)
    #expect(r.status == 0, "\(r.stderr)")
    let config = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run/config.json"))) as! [String: Any]
    #expect(config["model"] as? String == model.standardizedFileURL.path)
    #expect(config["data"] as? String == shapesDir.appendingPathComponent("dataset.json").standardizedFileURL.path)
    let resumed = try CommandLineTool.run(["train", "--resume", dir.appendingPathComponent("run").path], in: dir)
    #expect(resumed.status == 0, "\(resumed.stderr)")
  }
}

/// A short finished LoRA run on the shapes data (2 steps, a checkpoint after each).
enum TrainRuns {
  static func finishedRun() throws -> URL {
    let run = Fixtures.temporaryDirectory("run").appendingPathComponent("run")
    let r = try CommandLineTool.run(["train", "--model", Fixtures.url("clip/tiny").path,
                                     "--data", Fixtures.url("train_parity/shapes/dataset.json").path, "--output", run.path,
                                     "--max-steps", "2", "--save-every", "1", "--keep-checkpoints", "3", "--val-split", "none"])
    #expect(r.status == 0, "\(r.stderr)")
    return run
  }
}
