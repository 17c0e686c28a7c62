import Foundation
import TestSupport
import Testing
import Training

/// Option ranges, the run lock and the checkpoint pointer: bad values are thrown errors naming the
/// flag or file.
struct RunSafetyTests {
  func options(_ edit: (inout TrainingOptions) -> Void) -> TrainingOptions {
    var o = TrainingOptions(model: "m", data: "d.json", output: "out")
    edit(&o)
    return o
  }

  func refused(_ edit: (inout TrainingOptions) -> Void, _ flag: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(sourceLocation: sourceLocation) { try options(edit).validate() } throws: { "\($0)".contains(flag) }
  }

  @Test func everyNumericOptionHasARange() throws {
    try options { _ in }.validate()
    refused({ $0.epochs = Int.max }, "--epochs")
    refused({ $0.maxSteps = 1 << 40 }, "--max-steps")
    refused({ $0.loraRank = 1 << 40 }, "--lora-rank")
    refused({ $0.batchSize = 1 }, "--batch-size")
    refused({ $0.batchSize = Int.max }, "--batch-size")
    refused({ $0.accumulate = 0 }, "--accumulate")
    refused({ $0.eps = -1 }, "--eps")
    refused({ $0.eps = .nan }, "--eps")
    refused({ $0.weightDecay = -0.01 }, "--weight-decay")
    refused({ $0.momentum = -0.1 }, "--momentum")
    refused({ $0.learningRate = .infinity }, "--lr")
    refused({ $0.gamma = .nan }, "--gamma")
    refused({ $0.gradientClip = .nan }, "--grad-clip")
    refused({ $0.warmupSteps = -1 }, "--warmup-steps")
    refused({ $0.stepSizeEpochs = 0 }, "--step-size")
    refused({ $0.towers = ["vision", "vision"] }, "--towers")
    refused({ $0.towers = [] }, "--towers")
    refused({ $0.freeze = ["text", "text"] }, "--freeze")
    refused({ $0.loraTargets = [""] }, "--lora-targets")
    refused({ $0.loraTargetRegex = "([" }, "--lora-targets")
    refused({ $0.cropScale = [0.5, 0.2] }, "--crop-scale")
    refused({ $0.betas = [0.9, .nan] }, "--betas")
    refused({ $0.keepCheckpoints = 0 }, "--keep-checkpoints")
  }

  @Test func absolutePathsAreStored() {
    let o = options { $0.imageRoot = "imgs"; $0.initialAdapter = "./a/../adapter" }.withAbsolutePaths()
    let cwd = FileManager.default.currentDirectoryPath
    #expect(o.model == URL(fileURLWithPath: cwd).appendingPathComponent("m").standardizedFileURL.path)
    #expect(o.imageRoot!.hasPrefix("/") && o.data.hasPrefix("/") && o.output.hasPrefix("/"))
    #expect(o.initialAdapter == URL(fileURLWithPath: cwd).appendingPathComponent("adapter").standardizedFileURL.path)
  }

  @Test func aRunFolderLockedTwiceInOneProcessIsFine() throws {
    let dir = Fixtures.temporaryDirectory("lock")
    try RunLock.acquire(dir)
    try RunLock.acquire(dir)
    let pid = try String(contentsOf: dir.appendingPathComponent(RunLock.fileName), encoding: .utf8)
    #expect(pid == "\(getpid())\n")
  }

  @Test func latestPointerMustNameACheckpoint() throws {
    let dir = Fixtures.temporaryDirectory("ckpt")
    let store = CheckpointStore(folder: dir, keep: 2)
    try store.save(step: 3) { try Data("{}".utf8).write(to: $0.appendingPathComponent("state.json")) }
    #expect(try store.latestChecked()?.lastPathComponent == "step-00000003")
    try Data("../../etc\n".utf8).write(to: dir.appendingPathComponent("latest"))
    #expect { _ = try store.latestChecked() } throws: { "\($0)".contains("not a checkpoint folder") }
    try FileManager.default.removeItem(at: dir.appendingPathComponent("latest"))
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("latest"), withIntermediateDirectories: true)
    #expect { _ = try store.latestChecked() } throws: { "\($0)".contains("latest") }
  }
}
