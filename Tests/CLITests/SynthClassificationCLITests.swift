import Datasets
import Foundation
import TestSupport
import Testing

/// `cliptune synth --task classification`: a tiny task that `ClassificationDataset` loads, the
/// same bytes on a second run, and option errors.
struct SynthClassificationCLITests {
  /// Every file below `dir` by relative path.
  func files(_ dir: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    for case let url as URL in FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])! {
      guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
      out[url.path.replacingOccurrences(of: dir.path + "/", with: "")] = try Data(contentsOf: url)
    }
    return out
  }

  @Test func writesATaskThatLoads() throws {
    let root = Fixtures.temporaryDirectory("synth-cls-cli")
    var outputs: [[String: Data]] = []
    for name in ["a", "b"] {
      let out = root.appendingPathComponent(name)
      let r = try CommandLineTool.run(["synth", "--task", "classification", "--factor", "position", "--output", out.path,
                                       "--images", "20", "--seed", "3", "--image-size", "32"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr.contains("4 classes (bottom left, bottom right, top left, top right), train 16, val 2, test 2"), "\(r.stderr)")
      outputs.append(try files(out))
    }
    #expect(outputs[0].count == 22)  // 20 images, classes.txt, synthetic.json
    #expect(outputs[0] == outputs[1])

    let task = root.appendingPathComponent("a")
    let ds = try ClassificationDataset.load(task)
    #expect(ds.classNames == ["bottom left", "bottom right", "top left", "top right"])
    #expect(ds.train.count == 16 && ds.val.count == 2 && ds.test.count == 2)
    #expect((0..<4).allSatisfy { c in ds.train.filter { $0.label == c }.count == 4 })
    #expect(try String(contentsOf: task.appendingPathComponent("classes.txt"), encoding: .utf8)
              == "bottom left\nbottom right\ntop left\ntop right\n")
    let draw = try FewShotSampler.draw(from: ds, shots: .perClass(2), seed: 0)
    #expect(draw.indices.count == 8 && draw.record.samples[0].path.hasPrefix("train/bottom_left/"))
  }

  @Test func optionErrors() throws {
    let out = Fixtures.temporaryDirectory("synth-cls-cli").appendingPathComponent("out").path
    try CommandLineTool.expectFailure(["synth", "--output", out, "--task", "segmentation"], mentions: ["--task", "segmentation"])
    try CommandLineTool.expectFailure(["synth", "--output", out, "--task", "classification", "--factor", "size"],
                                      mentions: ["--factor", "size", "shape, colour, count, position"])
    try CommandLineTool.expectFailure(["synth", "--output", out, "--factor", "shape"], mentions: ["--factor", "--task classification"])
  }

  @Test func defaultFactorIsShapeAndRetrievalStaysDefault() throws {
    let root = Fixtures.temporaryDirectory("synth-cls-cli")
    let shape = root.appendingPathComponent("shape"), retrieval = root.appendingPathComponent("retrieval")
    #expect(try CommandLineTool.run(["synth", "--task", "classification", "--output", shape.path, "--images", "10", "--image-size", "32"]).status == 0)
    #expect(try ClassificationDataset.load(shape).classNames == ["circle", "square", "triangle"])
    #expect(try CommandLineTool.run(["synth", "--output", retrieval.path, "--images", "10", "--image-size", "32"]).status == 0)
    #expect(FileManager.default.fileExists(atPath: retrieval.appendingPathComponent("dataset.json").path))
    // Neither kind of output is replaced by the other kind.
    try CommandLineTool.expectFailure(["synth", "--output", retrieval.path, "--task", "classification", "--images", "10", "--image-size", "32"],
                                      mentions: [retrieval.path, "retrieval dataset"])
    try CommandLineTool.expectFailure(["synth", "--output", shape.path, "--images", "10", "--image-size", "32"],
                                      mentions: [shape.path, "classification task"])
  }
}
