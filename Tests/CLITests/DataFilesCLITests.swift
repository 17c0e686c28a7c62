import Foundation
import TestSupport
import Testing

/// Data and text files: CRLF line ends, captionless splits, paths leaving the image folder.
struct DataFilesCLITests {
  let model = Fixtures.url("clip/tiny").path
  let images = Fixtures.url("train_parity/shapes/images")

  @Test func crlfTextFilesSplitIntoLines() throws {
    let dir = Fixtures.temporaryDirectory("crlf")
    let texts = dir.appendingPathComponent("texts.txt")
    try Data("\u{FEFF}a red square\r\na blue circle\r\n".utf8).write(to: texts)
    let tokens = try CommandLineTool.run(["tokenize", "--model", model, "--texts", texts.path])
    #expect(tokens.status == 0, "\(tokens.stderr)")
    #expect(tokens.stdout.split(separator: "\n").count == 2, "\(tokens.stdout)")
    let list = dir.appendingPathComponent("images.txt")
    try Data("\(images.appendingPathComponent("00.png").path)\r\n\(images.appendingPathComponent("01.png").path)\r\n".utf8).write(to: list)
    let out = dir.appendingPathComponent("o.safetensors")
    let r = try CommandLineTool.run(["embed", "--model", model, "--image-list", list.path, "--texts", texts.path, "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("image_embeds [2, 24]") && r.stderr.contains("text_embeds [2, 24]"), "\(r.stderr)")
  }

  /// A Karpathy JSON whose test split (5 images) has no captions, and a COCO file without annotations.
  @Test func captionlessSplitsAreClearErrors() throws {
    let dir = Fixtures.temporaryDirectory("nocap")
    let entries = (0..<5).map { i in "{\"filename\": \"\(images.appendingPathComponent(String(format: "%02d.png", i)).path)\", \"split\": \"test\", \"sentences\": []}" }
    let karpathy = dir.appendingPathComponent("karpathy.json")
    try "{\"images\": [\(entries.joined(separator: ","))]}".write(to: karpathy, atomically: true, encoding: .utf8)
    try CommandLineTool.expectFailure(["eval", "retrieval", "--model", model, "--data", karpathy.path, "--split", "test"],
                                      mentions: ["karpathy.json", "split test has 5 images but no captions"])
    let coco = dir.appendingPathComponent("coco.json")
    try "{\"images\": [{\"id\": 1, \"file_name\": \"\(images.appendingPathComponent("00.png").path)\"}], \"annotations\": []}"
      .write(to: coco, atomically: true, encoding: .utf8)
    try CommandLineTool.expectFailure(["eval", "retrieval", "--model", model, "--data", coco.path], mentions: ["coco.json", "no captions"])
  }

  @Test func badDataFilesNameTheFileAndRecord() throws {
    let dir = Fixtures.temporaryDirectory("baddata")
    try FileManager.default.copyItem(at: images, to: dir.appendingPathComponent("images"))
    let cases: [(String, String, [String])] = [
      ("escape.json", "{\"images\": [{\"filename\": \"../../etc/passwd\", \"sentences\": [{\"raw\": \"x\"}]}]}", ["escape.json", "outside the image folder"]),
      ("types.json", "{\"images\": [{\"filename\": 3, \"sentences\": []}]}", ["types.json", "images[0].filename"]),
      ("missing.json", "{\"images\": [{\"sentences\": []}]}", ["missing.json", "filename"]),
      ("dupes.json", "{\"images\": [{\"id\": 1, \"file_name\": \"00.png\"}, {\"id\": 1, \"file_name\": \"01.png\"}], \"annotations\": []}",
       ["dupes.json", "images[1].id 1 appears more than once"]),
      ("empty.json", "{\"images\": []}", ["empty.json", "lists no images"]),
      ("bad.csv", "filepath,caption\r\n00.png,\"never closed\r\n", ["bad.csv", "never closed"]),
    ]
    for (name, text, needles) in cases {
      let file = dir.appendingPathComponent(name)
      try text.write(to: file, atomically: true, encoding: .utf8)
      try CommandLineTool.expectFailure(["eval", "retrieval", "--model", model, "--data", file.path], mentions: needles)
    }
    // A FIFO as --data is refused before anything blocks on it.
    let fifo = dir.appendingPathComponent("fifo.json")
    #expect(mkfifo(fifo.path, 0o644) == 0)
    try CommandLineTool.expectFailure(["eval", "retrieval", "--model", model, "--data", fifo.path], mentions: ["fifo.json", "FIFO"])
  }
}
