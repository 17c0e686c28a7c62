import Evaluation
import Foundation
import TestSupport
import Testing
import Training

struct RunFilesTests {
  @Test func metricsLogAppendsWholeLinesAndTruncatesForResume() throws {
    let url = Fixtures.temporaryDirectory("metrics").appendingPathComponent("metrics.jsonl")
    let log = try MetricsLog(url: url)
    for step in 1...5 {
      try log.append(.object([("step", .integer(step)), ("loss", .number(1 / Double(step)))]))
    }
    try log.append(.object([("split", .string("val")), ("loss", .number(0.5))]))
    // A torn final line (a crash mid-write) is ignored by the reader.
    let h = try FileHandle(forWritingTo: url); try h.seekToEnd(); try h.write(contentsOf: Data("{\"step\": 6, \"lo".utf8)); try h.close()
    var records = try MetricsLog.read(url)
    #expect(records.count == 6 && records[2]["step"] as? Int == 3 && records[5]["split"] as? String == "val")
    try MetricsLog.truncate(url, keepingThroughStep: 3)
    records = try MetricsLog.read(url)
    #expect(records.compactMap { $0["step"] as? Int } == [1, 2, 3])
    #expect(records.count == 4)  // the step-less evaluation line is kept
    let reopened = try MetricsLog(url: url)
    try reopened.append(.object([("step", .integer(4))]))
    #expect(try MetricsLog.read(url).last?["step"] as? Int == 4)
  }

  @Test func checkpointsAreAtomicAndPruned() throws {
    let store = CheckpointStore(folder: Fixtures.temporaryDirectory("ckpt"), keep: 2)
    for step in [10, 20, 30] {
      try store.save(step: step) { dir in try Data("\(step)".utf8).write(to: dir.appendingPathComponent("state.json")) }
    }
    #expect(store.all().map(\.lastPathComponent) == ["step-00000020", "step-00000030"])
    #expect(store.latest()?.lastPathComponent == "step-00000030")
    // A failing write leaves the previous checkpoint as the latest, and no temporary folder.
    struct DiskFull: Error {}
    #expect(throws: TrainingError.self) {
      try store.save(step: 40) { dir in
        try Data("partial".utf8).write(to: dir.appendingPathComponent("state.json"))
        throw DiskFull()
      }
    }
    #expect(store.latest()?.lastPathComponent == "step-00000030")
    let names = try FileManager.default.contentsOfDirectory(atPath: store.folder.path).sorted()
    #expect(names == ["latest", "step-00000020", "step-00000030"])
  }
}
