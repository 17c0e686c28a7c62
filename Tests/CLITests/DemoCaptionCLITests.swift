import Foundation
import TestSupport
import Testing

/// `cliptune demo caption --quick` end to end, and `bench caption --config tiny`.
struct DemoCaptionCLITests {
  @Test func quickDemoWritesResultsAndTheBeforeAfterReport() throws {
    let out = Fixtures.temporaryDirectory("demo-caption").appendingPathComponent("run")
    let r = try CommandLineTool.run(["demo", "caption", "--quick", "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("before (pretrained on base)") && r.stdout.contains("after LoRA on shifted"))
    let results = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [String: Any]
    for side in ["before", "after"] {
      let scores = try #require(results[side] as? [String: Any])
      for key in ["BLEU-1", "BLEU-4", "CIDEr", "loss"] { #expect(scores[key] is Double, "\(side) \(key)") }
    }
    let captions = try #require(results["captions"] as? [[String: Any]])
    #expect(captions.count == results["test_images"] as? Int && !captions.isEmpty)
    #expect(captions.allSatisfy { $0["before"] is String && $0["after"] is String && ($0["references"] as? [String])?.isEmpty == false })
    let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(report.contains("ground truth") && report.contains("before (base model)") && report.contains("after (LoRA)"))
    for file in ["scratch/config.json", "scratch/vocab.json", "scratch/merges.txt", "scratch/generation_config.json",
                 "pretrain/model/model.safetensors", "adapt/adapter/adapter_model.safetensors", "adapt/report.html"] {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "missing \(file)")
    }
    // A rerun into the same folder replaces the earlier demo; a foreign folder is refused.
    let foreign = Fixtures.temporaryDirectory("demo-caption-foreign")
    try Data("keep".utf8).write(to: foreign.appendingPathComponent("notes.txt"))
    try CommandLineTool.expectFailure(["demo", "caption", "--quick", "--output", foreign.path], mentions: [foreign.path, "not empty"])
    #expect(FileManager.default.fileExists(atPath: foreign.appendingPathComponent("notes.txt").path))
  }

  @Test func benchCaptionRunsBothWorkloads() throws {
    let json = Fixtures.temporaryDirectory("bench-caption").appendingPathComponent("r.json")
    let r = try CommandLineTool.run(["bench", "caption", "--config", "tiny", "--batch", "2", "--steps", "1", "--beams", "2",
                                     "--output", json.path])
    #expect(r.status == 0, "\(r.stderr)")
    let result = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as! [String: Any]
    #expect((result["pairs_per_s"] as? Double ?? 0) > 0 && (result["captions_per_s"] as? Double ?? 0) > 0)
    try CommandLineTool.expectFailure(["bench", "caption", "--config", "huge"], mentions: ["--config"])
  }
}
