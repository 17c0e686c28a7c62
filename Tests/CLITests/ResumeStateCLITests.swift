import Foundation
import TestSupport
import Testing

/// `train --resume` checks every field of a checkpoint's state.json (and its tensors) against the
/// run before using any of it: a broken field is a clear error naming the file, never a crash.
struct ResumeStateCLITests {
  /// A finished run whose latest checkpoint's state.json has `edit` applied.
  func runWithState(_ edit: (inout [String: Any]) -> Void) throws -> (run: URL, state: URL) {
    let run = try TrainRuns.finishedRun()
    let state = run.appendingPathComponent("checkpoints/step-00000002/state.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as! [String: Any]
    edit(&json)
    try JSONSerialization.data(withJSONObject: json).write(to: state)
    return (run, state)
  }

  @Test func outOfRangeStateFieldsAreRefused() throws {
    let cases: [(String, (inout [String: Any]) -> Void, [String])] = [
      ("negative batch", { $0["position"] = ["epoch": 0, "batch": -1] }, ["data position", "batch -1"]),
      ("batch past the epoch", { $0["position"] = ["epoch": 0, "batch": 1_000_000] }, ["data position"]),
      ("negative epoch", { $0["position"] = ["epoch": -3, "batch": 0] }, ["data position"]),
      ("position not reached by the step", { $0["position"] = ["epoch": 0, "batch": 1] }, ["does not match step 2"]),
      ("step past the end", { $0["step"] = 99 }, ["step 99", "0...2"]),
      ("negative step", { $0["step"] = -1 }, ["step -1"]),
      ("elapsed time", { $0["elapsedSeconds"] = -5.0 }, ["elapsedSeconds"]),
      ("rng counter", { $0["dropoutRNG"] = ["seed": 1, "counter": UInt64.max] }, ["dropout stream counter"]),
      ("wrong type", { $0["step"] = "two" }, ["unreadable checkpoint state"]),
    ]
    for (label, edit, needles) in cases {
      let (run, state) = try runWithState(edit)
      let r = try CommandLineTool.run(["train", "--resume", run.path])
      #expect(r.status != 0, "\(label): resumed anyway")
      #expect(r.stderr.contains(state.path), "\(label): \(r.stderr)")
      for needle in needles { #expect(r.stderr.contains(needle), "\(label): stderr lacks '\(needle)': \(r.stderr)") }
      #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("crashed"), "\(label): \(r.stderr)")
    }
  }

  @Test func latestPointerCannotLeaveTheRun() throws {
    let run = try TrainRuns.finishedRun()
    try "../../../etc".write(to: run.appendingPathComponent("checkpoints/latest"), atomically: true, encoding: .utf8)
    try CommandLineTool.expectFailure(["train", "--resume", run.path], mentions: ["latest", "not a checkpoint folder"])
  }

  @Test func optimizerStateOfAnotherShapeIsRefused() throws {
    let run = try TrainRuns.finishedRun()
    let checkpoint = run.appendingPathComponent("checkpoints/step-00000002")
    // The weights file in place of the optimiser's: wrong field names.
    try FileManager.default.removeItem(at: checkpoint.appendingPathComponent("optimizer.safetensors"))
    try FileManager.default.copyItem(at: checkpoint.appendingPathComponent("trainable.safetensors"),
                                     to: checkpoint.appendingPathComponent("optimizer.safetensors"))
    try CommandLineTool.expectFailure(["train", "--resume", run.path], mentions: ["optimizer.safetensors"])
  }

  @Test func configOutOfRangeIsRefused() throws {
    let run = try TrainRuns.finishedRun()
    let config = run.appendingPathComponent("config.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
    json["batchSize"] = -4
    try JSONSerialization.data(withJSONObject: json).write(to: config)
    try CommandLineTool.expectFailure(["train", "--resume", run.path], mentions: ["config.json", "--batch-size"])
  }
}
