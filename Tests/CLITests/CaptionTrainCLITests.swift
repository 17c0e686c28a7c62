import Foundation
import SafeTensors
import TestSupport
import Testing

/// `cliptune train --task captioning` end to end on the committed tiny captioner
/// (Tests/Fixtures/captioner: 16 images, 2 captions each).
struct CaptionTrainCLITests {
  let model = Fixtures.url("captioner/tiny").path
  let data = Fixtures.url("captioner/data/dataset.json").path

  func run(_ args: [String]) throws -> CommandLineTool.Result { try CommandLineTool.run(args) }

  func losses(_ run: URL) throws -> [Double] {
    try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
      .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
      .filter { $0["split"] == nil }.compactMap { $0["loss"] as? Double }
  }

  @Test func killedRunResumesToTheSameResult() throws {
    let dir = Fixtures.temporaryDirectory("caption-resume")
    // The tiny captioner with GPT-2's dropout on (0.1 each, as GPT-2's config has it).
    let dropoutModel = dir.appendingPathComponent("model")
    try FileManager.default.copyItem(at: URL(fileURLWithPath: model), to: dropoutModel)
    let configURL = dropoutModel.appendingPathComponent("config.json")
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
    var decoder = config["decoder"] as! [String: Any]
    for key in ["resid_pdrop", "embd_pdrop", "attn_pdrop"] { decoder[key] = 0.1 }
    config["decoder"] = decoder
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    // Randomness everywhere it can be: shuffling, random captions, crop-flip, LoRA and GPT-2 dropout.
    let common = ["--task", "captioning", "--model", dropoutModel.path, "--data", data, "--lr", "2e-3", "--batch-size", "2",
                  "--epochs", "4", "--save-every", "5", "--augment", "crop-flip", "--captions", "random",
                  "--lora-dropout", "0.1", "--seed", "7", "--val-split", "none"]
    let whole = dir.appendingPathComponent("whole"), killed = dir.appendingPathComponent("killed")
    let first = try run(["train", "--output", whole.path] + common)
    #expect(first.status == 0, "\(first.stderr)")

    let wasKilled = try CommandLineTool.runAndKill(["train", "--output", killed.path] + common,
                                                   whenFile: killed.appendingPathComponent("metrics.jsonl"), hasLines: 12)
    #expect(wasKilled, "the run finished before it could be killed")

    let resumed = try run(["train", "--resume", killed.path])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let a = try Data(contentsOf: whole.appendingPathComponent("adapter/adapter_model.safetensors"))
    let b = try Data(contentsOf: killed.appendingPathComponent("adapter/adapter_model.safetensors"))
    #expect(a == b, "resumed adapter differs from the uninterrupted run's")
    #expect(try losses(whole) == losses(killed))
    let adapterConfig = try String(contentsOf: whole.appendingPathComponent("adapter/adapter_config.json"), encoding: .utf8)
    #expect(adapterConfig.contains("\"fan_in_fan_out\": true") && adapterConfig.contains("VisionEncoderDecoderModel"))
  }

  @Test func killedRunWithViTDropoutResumesToTheSameResult() throws {
    let dir = Fixtures.temporaryDirectory("caption-vit-dropout")
    // The tiny captioner with the ViT's dropout on (hidden 0.1, attention probabilities 0.2) and
    // GPT-2's off; LoRA on the ViT's query/value too, so the encoder's backward runs through the masks.
    let dropoutModel = dir.appendingPathComponent("model")
    try FileManager.default.copyItem(at: URL(fileURLWithPath: model), to: dropoutModel)
    let configURL = dropoutModel.appendingPathComponent("config.json")
    var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
    var encoder = config["encoder"] as! [String: Any]
    encoder["hidden_dropout_prob"] = 0.1
    encoder["attention_probs_dropout_prob"] = 0.2
    config["encoder"] = encoder
    try JSONSerialization.data(withJSONObject: config).write(to: configURL)
    let common = ["--task", "captioning", "--model", dropoutModel.path, "--data", data, "--lr", "2e-3", "--batch-size", "2",
                  "--epochs", "2", "--save-every", "4", "--captions", "random", "--lora-targets", "c_attn,query,value",
                  "--seed", "5", "--val-split", "none"]
    let whole = dir.appendingPathComponent("whole"), again = dir.appendingPathComponent("again")
    let killed = dir.appendingPathComponent("killed"), plain = dir.appendingPathComponent("plain")
    let first = try run(["train", "--output", whole.path] + common)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(!first.stderr.contains("hidden_dropout_prob"), "still warns: \(first.stderr)")
    let second = try run(["train", "--output", again.path] + common)
    #expect(second.status == 0, "\(second.stderr)")
    let adapter = "adapter/adapter_model.safetensors"
    let a = try Data(contentsOf: whole.appendingPathComponent(adapter))
    #expect(a == (try Data(contentsOf: again.appendingPathComponent(adapter))), "two identical runs differ")

    let wasKilled = try CommandLineTool.runAndKill(["train", "--output", killed.path] + common,
                                                   whenFile: killed.appendingPathComponent("metrics.jsonl"), hasLines: 6)
    #expect(wasKilled, "the run finished before it could be killed")
    let resumed = try run(["train", "--resume", killed.path])
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(a == (try Data(contentsOf: killed.appendingPathComponent(adapter))), "resumed adapter differs from the uninterrupted run's")
    #expect(try losses(whole) == losses(killed))

    // The same run on the unmodified config (no ViT dropout) ends elsewhere: the dropout was applied.
    let base = try run(["train", "--output", plain.path] + common.map { $0 == dropoutModel.path ? model : $0 })
    #expect(base.status == 0, "\(base.stderr)")
    #expect(try losses(plain) != losses(whole))
  }

  @Test func validationLossIsLoggedAndTheReportWritten() throws {
    let out = Fixtures.temporaryDirectory("caption-val").appendingPathComponent("run")
    let r = try run(["train", "--task", "captioning", "--model", model, "--data", data, "--output", out.path,
                     "--lr", "3e-3", "--batch-size", "4", "--max-steps", "8", "--val-split", "train", "--eval-every", "4"])
    #expect(r.status == 0, "\(r.stderr)")
    let evals = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
      .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.filter { $0["split"] != nil }
    #expect(evals.count == 3)  // before, step 4, end
    let first = evals.first?["loss"] as? Double ?? .nan, last = evals.last?["loss"] as? Double ?? .nan
    #expect(last < first, "validation loss \(first) → \(last)")
    #expect(r.stdout.contains("train at step 8: loss") && r.stdout.contains("CIDEr"))
    for e in evals { #expect(e["CIDEr"] is Double && e["BLEU-4"] is Double && e["images"] as? Int == 16) }
    let report = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(report.contains("captioning run") && report.contains("cross-entropy"))
    #expect(report.contains("before (step 0)") && report.contains("after (step 8)") && report.contains("ground truth"))
    for step in [0, 4, 8] {
      let file = out.appendingPathComponent(String(format: "captions/step-%08d.jsonl", step))
      #expect(FileManager.default.fileExists(atPath: file.path), "missing \(file.lastPathComponent)")
    }
  }

  @Test func dryRunPrintsPEFTsLineForNlpconnectsArchitecture() throws {
    // nlpconnect/vit-gpt2-image-captioning's architecture: ViT-base/16 + GPT-2 small with cross-attention.
    let dir = Fixtures.temporaryDirectory("nlpconnect")
    let config: [String: Any] = [
      "model_type": "vision-encoder-decoder", "decoder_start_token_id": 50256, "pad_token_id": 50256, "eos_token_id": 50256,
      "encoder": ["model_type": "vit"], "decoder": ["model_type": "gpt2", "add_cross_attention": true, "is_decoder": true],
    ]
    try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
    let r = try run(["train", "--task", "captioning", "--model", dir.path, "--data", data, "--output", "/tmp/unused",
                     "--lora-rank", "32", "--lora-alpha", "64", "--dry-run"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("trainable params: 6,193,152 || all params: 245,389,056 || trainable%: 2.5238"), "\(r.stdout)")
  }

  @Test func badCaptioningInputsAreClearErrors() throws {
    let out = Fixtures.temporaryDirectory("caption-bad").appendingPathComponent("run").path
    let base = ["train", "--task", "captioning", "--data", data, "--output", out, "--max-steps", "1"]
    // A CLIP folder is not an encoder-decoder.
    try CommandLineTool.expectFailure(base + ["--model", Fixtures.url("clip/tiny").path], mentions: ["config.json", "vision-encoder-decoder"])
    // Cross-attention weights missing.
    let noCross = Fixtures.temporaryDirectory("no-cross")
    for name in ["config.json", "vocab.json", "merges.txt", "preprocessor_config.json"] {
      try FileManager.default.copyItem(at: Fixtures.url("captioner/tiny/\(name)"), to: noCross.appendingPathComponent(name))
    }
    try CaptionFixtures.writeCheckpoint(from: Fixtures.url("captioner/tiny/model.safetensors"),
                                        to: noCross.appendingPathComponent("model.safetensors")) { !$0.contains("crossattention") }
    try CommandLineTool.expectFailure(base + ["--model", noCross.path], mentions: ["model.safetensors", "crossattention", "missing"])
    // A tokenizer without merges.
    let noMerges = Fixtures.temporaryDirectory("no-merges")
    for name in ["config.json", "model.safetensors", "vocab.json", "preprocessor_config.json"] {
      try FileManager.default.copyItem(at: Fixtures.url("captioner/tiny/\(name)"), to: noMerges.appendingPathComponent(name))
    }
    try CommandLineTool.expectFailure(base + ["--model", noMerges.path], mentions: ["merges.txt"])
    // An empty caption.
    let empty = Fixtures.temporaryDirectory("empty-caption")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data))) as! [String: Any]
    var images = json["images"] as! [[String: Any]]
    images[0]["sentences"] = [["raw": ""]]
    json["images"] = images
    try JSONSerialization.data(withJSONObject: json).write(to: empty.appendingPathComponent("dataset.json"))
    try CommandLineTool.expectFailure(["train", "--task", "captioning", "--model", model, "--data", empty.appendingPathComponent("dataset.json").path,
                                       "--image-root", Fixtures.url("captioner/data/images").path, "--output", out, "--max-steps", "4",
                                       "--batch-size", "16", "--captions", "first", "--no-shuffle", "--val-split", "none"],
                                      mentions: ["dataset.json", "caption 0 of image 0", "tokenizes to nothing"])
    #expect(!FileManager.default.fileExists(atPath: out + "/adapter"))
  }
}

/// Writing variants of the committed captioner for bad-input tests.
enum CaptionFixtures {
  /// Copies the tensors of `source` whose names pass `keep` into a new safetensors file.
  static func writeCheckpoint(from source: URL, to destination: URL, keep: (String) -> Bool) throws {
    let file = try SafeTensorsFile(contentsOf: source)
    let tensors = try file.names.filter(keep).map { (name: $0, tensor: try file.tensor($0)) }
    try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"], to: destination)
  }
}
