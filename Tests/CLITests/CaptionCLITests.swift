import Foundation
import TestSupport
import Testing

/// `cliptune caption` against transformers' `generate` on the committed tiny captioner
/// (Scripts/fixtures/make_captioner_fixtures.py, generate.json): image files in, the same ids out,
/// for greedy and beam search with and without no_repeat_ngram_size, and with a PEFT adapter.
struct CaptionCLITests {
  let model = Fixtures.url("captioner/tiny").path
  let images = Fixtures.url("captioner/data/images")

  func expected() throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("captioner/generate.json"))) as! [String: Any]
  }

  func lines(_ text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
  }

  @Test(arguments: [
    ("greedy", ["--num-beams", "1"]), ("beams4", ["--num-beams", "4"]),
    ("beams4_norepeat2", ["--num-beams", "4", "--no-repeat-ngram-size", "2"]),
    ("beams3_early_lp06", ["--num-beams", "3", "--early-stopping", "--length-penalty", "0.6"]),
    ("adapter_beams4", ["--num-beams", "4", "--adapter", Fixtures.url("captioner/trained_adapter").path]),
    // OpenBLAS: decoding's few-row products take DecodeGEMM instead of the GEMM library.
    ("beams4", ["--num-beams", "4", "--gemm", "openblas"]), ("greedy", ["--num-beams", "1", "--gemm", "openblas"]),
  ])
  func idsAreGeneratesIds(_ setting: String, _ flags: [String]) throws {
    let json = try expected()
    let files = (json["images"] as! [String]).map { images.appendingPathComponent($0).path }
    let r = try CommandLineTool.run(["caption", "--model", model, "--max-length", "16", "--batch-size", "4", "--images"] + files + flags)
    #expect(r.status == 0, "\(r.stderr)")
    let out = lines(r.stdout)
    let want = json[setting] as! [[Int]]
    #expect(out.count == files.count)
    for (i, (line, ids)) in zip(out, want).enumerated() {
      #expect(line["image"] as? String == files[i])
      // generate returns ids up to max_length; ours stop at EOS too (none occurs here).
      #expect(line["token_ids"] as? [Int] == ids, "\(setting), image \(i): \(line["token_ids"] ?? "nil") vs \(ids)")
      #expect((line["caption"] as? String) != nil)
    }
  }

  @Test func writesTheOutputFileAndRefusesBadSettings() throws {
    let dir = Fixtures.temporaryDirectory("caption-out")
    let list = dir.appendingPathComponent("list.txt")
    try "\(images.path)/00.png\n\(images.path)/01.png\n".write(to: list, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent("captions.jsonl")
    let r = try CommandLineTool.run(["caption", "--model", model, "--image-list", list.path, "--output", out.path, "--num-beams", "2"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(lines(try String(contentsOf: out, encoding: .utf8)).count == 2)
    try CommandLineTool.expectFailure(["caption", "--model", model, "--images", "\(images.path)/00.png", "--num-beams", "0"], mentions: ["--num-beams"])
    try CommandLineTool.expectFailure(["caption", "--model", model, "--images", "\(images.path)/00.png", "--max-length", "40"],
                                      mentions: ["max_length", "positions"])
    try CommandLineTool.expectFailure(["caption", "--model", Fixtures.url("clip/tiny").path, "--images", "\(images.path)/00.png"],
                                      mentions: ["config.json", "vision-encoder-decoder"])
    try CommandLineTool.expectFailure(["caption", "--model", model, "--images", "/nonexistent.png"], mentions: ["/nonexistent.png"])
    try CommandLineTool.expectFailure(["caption", "--model", model, "--image-list", list.path, "--output", list.path],
                                      mentions: [list.path])
    #expect(try String(contentsOf: list, encoding: .utf8).hasPrefix(images.path))
  }
}

/// `cliptune eval captions --model` and `--clip` against the fixture script's references.
struct EvalCaptionsModelCLITests {
  let model = Fixtures.url("captioner/tiny").path
  let data = Fixtures.url("captioner/data/dataset.json").path

  func reference() throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("captioner/generate.json"))) as! [String: Any]
  }

  /// The loss is transformers' token-weighted teacher-forced loss over every caption of the split;
  /// the scores are those of the captions it generates, the same as scoring them with --predictions.
  @Test func modelModeReportsLossAndScoresItsOwnCaptions() throws {
    let dir = Fixtures.temporaryDirectory("eval-captions-model")
    let saved = dir.appendingPathComponent("predictions.jsonl"), out = dir.appendingPathComponent("scores.json")
    let r = try CommandLineTool.run(["eval", "captions", "--model", model, "--data", data, "--split", "train", "--num-beams", "2",
                                     "--save-predictions", saved.path, "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let scores = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
    let expected = try reference()["split_loss"] as! Double
    let loss = try #require(scores["loss"] as? Double)
    #expect(abs(loss - expected) <= 1e-5 * expected, "loss \(loss) vs transformers \(expected)")
    #expect(scores["images"] as? Int == 16)
    let again = try CommandLineTool.run(["eval", "captions", "--predictions", saved.path, "--data", data, "--split", "train"])
    #expect(again.status == 0, "\(again.stderr)")
    let rescored = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any]
    for key in ["BLEU-1", "BLEU-4", "CIDEr"] { #expect(rescored[key] as? Double == scores[key] as? Double, "\(key)") }
    try CommandLineTool.expectFailure(["eval", "captions", "--data", data], mentions: ["--model", "--predictions"])
    try CommandLineTool.expectFailure(["eval", "captions", "--model", model, "--data", data, "--split", "train", "--num-beams", "0"],
                                      mentions: ["--num-beams"])
  }

  /// CLIPScore and RefCLIPScore as jmhessel/clipscore computes them (the fixture script's own
  /// formulas on transformers' CLIP features), within 1e-5.
  @Test func clipScoreMatchesTheReferenceFormulas() throws {
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data))) as! [String: Any]
    let images = json["images"] as! [[String: Any]]
    let dir = Fixtures.temporaryDirectory("clipscore")
    let lines = images.map { im -> String in
      let caption = ((im["sentences"] as! [[String: Any]])[1]["raw"] as! String)
      let object: [String: Any] = ["image": im["filename"] as! String, "caption": caption]
      return String(data: try! JSONSerialization.data(withJSONObject: object), encoding: .utf8)!
    }
    try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("p.jsonl"), atomically: true, encoding: .utf8)
    // References: each image's first caption only, as the script used.
    var refs = json
    refs["images"] = images.map { im -> [String: Any] in
      var m = im
      m["sentences"] = [(im["sentences"] as! [[String: Any]])[0]]
      return m
    }
    try JSONSerialization.data(withJSONObject: refs).write(to: dir.appendingPathComponent("refs.json"))
    let r = try CommandLineTool.run(["eval", "captions", "--predictions", dir.appendingPathComponent("p.jsonl").path,
                                     "--data", dir.appendingPathComponent("refs.json").path, "--split", "train",
                                     "--image-root", Fixtures.url("captioner/data/images").path, "--clip", Fixtures.url("clip/tiny").path])
    #expect(r.status == 0, "\(r.stderr)")
    let scores = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    let expected = try reference()["clipscore"] as! [String: Double]
    for key in ["CLIPScore", "RefCLIPScore"] {
      let ours = try #require(scores[key] as? Double), theirs = expected[key]!
      #expect(abs(ours - theirs) <= 1e-5, "\(key): \(ours) vs \(theirs)")
    }
  }
}
