import Evaluation
import Foundation
import TestSupport
import Testing

/// `cliptune eval captions` on the shapes fixture's val split (16 images, 2 captions each): the
/// numbers CaptionMetrics gives (itself checked against pycocoevalcap), and clear errors.
struct EvalCaptionsCLITests {
  let data = Fixtures.url("train_parity/shapes/dataset.json")
  let images = Fixtures.url("train_parity/shapes/images")

  struct Item: Decodable { let filename: String; let split: String; let sentences: [Sentence] }
  struct Sentence: Decodable { let raw: String }
  struct Dataset: Decodable { let images: [Item] }

  var val: [Item] { get throws { try JSONDecoder().decode(Dataset.self, from: Data(contentsOf: data)).images.filter { $0.split == "val" } } }

  func line(_ image: String, _ caption: String) -> String {
    "{\"image\": \"\(image)\", \"caption\": \"\(caption)\", \"token_ids\": [49406, 320, 49407]}"
  }

  func write(_ lines: [String], _ name: String) throws -> URL {
    let url = Fixtures.temporaryDirectory("evalcaptions").appendingPathComponent(name)
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test func scoresMatchTheLibraryAndWriteJSON() throws {
    let val = try self.val
    // Relative paths for half the images (resolved like the data file's), absolute for the rest.
    let hyps = val.enumerated().map { i, item in i % 3 == 0 ? item.sentences[0].raw.uppercased() + "." : "a shape, in \(i % 2 == 0 ? "red" : "blue")" }
    let lines = val.enumerated().map { i, item in line(i % 2 == 0 ? item.filename : images.appendingPathComponent(item.filename).path, hyps[i]) }
    let preds = try write(lines, "preds.jsonl")
    let out = preds.deletingLastPathComponent().appendingPathComponent("scores.json")
    let r = try CommandLineTool.run(["eval", "captions", "--predictions", preds.path, "--data", data.path, "--split", "val", "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let expected = try CaptionMetrics.evaluate(
      predictions: Dictionary(uniqueKeysWithValues: zip(val.map(\.filename), hyps)),
      references: Dictionary(uniqueKeysWithValues: val.map { ($0.filename, $0.sentences.map(\.raw)) }))
    let written = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
    #expect(written["images"] as? Int == 16)
    let got = (1...4).map { written["BLEU-\($0)"] as! Double } + [written["CIDEr"] as! Double]
    #expect(mismatches(got, expected.bleu + [expected.cider], tolerance: 1e-12) == nil)
    #expect(expected.cider > 0 && expected.bleu[0] > 0)
    #expect(r.stdout == String(decoding: try Data(contentsOf: out), as: UTF8.self))
    let keys = r.stdout.split(separator: "\n").compactMap { $0.split(separator: "\"").dropFirst().first.map(String.init) }
    #expect(keys == ["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "CIDEr", "images"], "\(r.stdout)")
  }

  /// A CSV data file (no splits: --split is ignored), paths relative to --image-root.
  @Test func csvDataWithImageRoot() throws {
    let rows = ["filepath,caption", "00.png,a red square", "00.png,\"a square, red\"", "01.png,a green square", "02.png,a blue square"]
    let csv = try write(rows, "refs.csv")
    let preds = try write([line("00.png", "A red square."), line("01.png", "a green circle"), line("02.png", "a blue square")], "csv.jsonl")
    let r = try CommandLineTool.run(["eval", "captions", "--predictions", preds.path, "--data", csv.path, "--image-root", images.path])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let expected = try CaptionMetrics.evaluate(
      predictions: ["0": "A red square.", "1": "a green circle", "2": "a blue square"],
      references: ["0": ["a red square", "a square, red"], "1": ["a green square"], "2": ["a blue square"]])
    #expect(json["images"] as? Int == 3)
    #expect(mismatches((1...4).map { json["BLEU-\($0)"] as! Double } + [json["CIDEr"] as! Double], expected.bleu + [expected.cider], tolerance: 1e-12) == nil)
  }

  @Test func badPredictionsAreClearErrors() throws {
    let val = try self.val
    let good = val.map { line($0.filename, "a shape") }
    let cases: [(String, [String], [String])] = [
      ("notinsplit.jsonl", good + [line("00.png", "a red square")], ["notinsplit.jsonl", "1 prediction is for images not in split val", "00.png (line 17)"]),
      ("missing.jsonl", Array(good.dropLast(2)), ["missing.jsonl", "2 of 16 images of split val have no prediction", val[15].filename]),
      ("empty.jsonl", [line(val[0].filename, "  ")] + good.dropFirst(), ["empty.jsonl", "line 1: empty caption"]),
      ("malformed.jsonl", Array(good.prefix(3)) + ["{\"image\": \"x.png\", \"caption\": "] + good.dropFirst(3), ["malformed.jsonl", "line 4", "not a JSON object"]),
      ("nocaption.jsonl", ["{\"image\": \"\(val[0].filename)\"}"], ["nocaption.jsonl", "line 1", "missing \"caption\""]),
      ("twice.jsonl", good + [line(val[0].filename, "again")], ["twice.jsonl", "line 17", "already has a prediction (line 1)"]),
      ("nothing.jsonl", ["", "  "], ["nothing.jsonl", "no predictions"]),
    ]
    for (name, lines, needles) in cases {
      let file = try write(lines, name)
      try CommandLineTool.expectFailure(["eval", "captions", "--predictions", file.path, "--data", data.path, "--split", "val"], mentions: needles)
    }
    // --output over an input is refused, and the input is left as it was.
    let preds = try write(good, "keep.jsonl")
    let before = try Data(contentsOf: preds)
    try CommandLineTool.expectFailure(["eval", "captions", "--predictions", preds.path, "--data", data.path, "--split", "val", "--output", preds.path],
                                      mentions: ["keep.jsonl"])
    #expect(try Data(contentsOf: preds) == before)
    // An image of the data file with no file on disk: the data file's own error.
    try CommandLineTool.expectFailure(["eval", "captions", "--predictions", preds.path, "--data", data.path, "--split", "val", "--image-root", "/nonexistent"],
                                      mentions: ["dataset.json", "not found"])
  }
}
