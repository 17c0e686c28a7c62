import Foundation
import TestSupport
import Testing

/// `cliptune synth` end to end: files written, determinism across runs, and clean failures.
struct SynthCLITests {
  @Test func writesImagesAndDatasetJSON() throws {
    let root = Fixtures.temporaryDirectory("synth-cli")
    var outputs: [Data] = []
    for name in ["a", "b"] {
      let out = root.appendingPathComponent(name)
      let r = try CommandLineTool.run(["synth", "--output", out.path, "--images", "20", "--seed", "5",
                                       "--domain", "shifted", "--image-size", "48"])
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr.contains("train 16, val 2, test 2"), "\(r.stderr)")
      let images = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("images").path).sorted()
      #expect(images.count == 20)
      #expect(images.first == "00000.png" && images.last == "00019.png")
      let json = try Data(contentsOf: out.appendingPathComponent("dataset.json"))
      let parsed = try JSONSerialization.jsonObject(with: json) as? [String: Any]
      let entries = parsed?["images"] as? [[String: Any]]
      #expect(entries?.count == 20)
      #expect((entries?.first?["sentences"] as? [[String: Any]])?.count == 5)
      outputs.append(json)
      outputs.append(try Data(contentsOf: out.appendingPathComponent("images/00007.png")))
    }
    #expect(outputs[0] == outputs[2] && outputs[1] == outputs[3])
  }

  @Test func badInputsFailCleanly() throws {
    let root = Fixtures.temporaryDirectory("synth-cli-bad")
    let out = root.appendingPathComponent("out").path
    try CommandLineTool.expectFailure(["synth", "--output", out, "--images", "5"], mentions: ["--images", "at least 10"])
    try CommandLineTool.expectFailure(["synth", "--output", out, "--image-size", "16"], mentions: ["--image-size", "at least 32"])
    try CommandLineTool.expectFailure(["synth", "--output", out, "--domain", "mars"], mentions: ["--domain", "mars"])
    try CommandLineTool.expectFailure(["synth", "--images", "10"], mentions: ["--output"])

    let foreign = root.appendingPathComponent("foreign")
    try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: foreign.appendingPathComponent("mine.txt"))
    try CommandLineTool.expectFailure(["synth", "--output", foreign.path, "--images", "10", "--image-size", "32"],
                                      mentions: [foreign.path, "not a cliptune synth dataset", "mine.txt"])
    #expect(FileManager.default.fileExists(atPath: foreign.appendingPathComponent("mine.txt").path))

    let file = root.appendingPathComponent("plain-file")
    try Data("x".utf8).write(to: file)
    try CommandLineTool.expectFailure(["synth", "--output", file.path, "--images", "10", "--image-size", "32"],
                                      mentions: [file.path, "not a folder"])

    // A path below a plain file cannot be created, even by root.
    try CommandLineTool.expectFailure(["synth", "--output", file.appendingPathComponent("sub").path, "--images", "10", "--image-size", "32"],
                                      mentions: ["cannot create the output folder"])

    let locked = root.appendingPathComponent("locked")
    try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
    try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: locked.path)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked.path) }
    if access(locked.path, W_OK) != 0 {  // root ignores permissions
      try CommandLineTool.expectFailure(["synth", "--output", locked.appendingPathComponent("sub").path, "--images", "10", "--image-size", "32"],
                                        mentions: ["cannot create"])
    }
  }
}
