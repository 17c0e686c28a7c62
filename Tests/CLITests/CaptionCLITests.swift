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
