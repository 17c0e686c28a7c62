import CLIP
import Evaluation
import Foundation
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// End-to-end runs of the `cliptune` executable on the committed tiny model and image files.
/// References come from transformers' whole pipeline (PIL decode, CLIPImageProcessorPil,
/// CLIPTokenizer): Scripts/fixtures/make_clip_fixtures.py, case `tiny/e2e`.
struct CLITests {
  let model = Fixtures.url("clip/tiny")
  let e2e = Fixtures.url("clip/tiny/e2e")

  func run(_ args: [String]) throws -> CommandLineTool.Result { try CommandLineTool.run(args) }

  /// On every GEMM backend of the build (`--gemm`; nil: the default).
  @Test(arguments: [nil, "onednn", "openblas"]) func embedMatchesTransformersPipeline(gemm: String?) throws {
    let out = Fixtures.temporaryDirectory("embed").appendingPathComponent("out.safetensors")
    let r = try run(["embed", "--model", model.path, "--image-list", e2e.appendingPathComponent("images.txt").path,
                     "--texts", e2e.appendingPathComponent("texts.txt").path, "--output", out.path] + (gemm.map { ["--gemm", $0] } ?? []))
    #expect(r.status == 0, "\(r.stderr)")
    let ours = try SafeTensorsFile(contentsOf: out), ref = try SafeTensorsFile(contentsOf: e2e.appendingPathComponent("expected.safetensors"))
    let (img, refImg) = (try ours.tensor("image_embeds"), try ref.tensor("image_embeds"))
    #expect(img.shape == [4, 24])
    // Rows 0–1 are PNGs (decode exact): model tolerance. Rows 2–3 are JPEGs: cosine (libjpeg builds may differ by ±1 level).
    let d = 24
    let pngs = Closeness(Array(img.data[0..<(2 * d)]), Array(refImg.data[0..<(2 * d)]))
    #expect(pngs.maxRelToScale <= 1e-5, "\(pngs)")
    for row in 2..<4 {
      let a = img.rows(row..<(row + 1)).l2NormalizedRows().data, b = refImg.rows(row..<(row + 1)).l2NormalizedRows().data
      let cosine = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
      #expect(cosine >= 0.9999, "JPEG row \(row) cosine \(cosine)")
    }
    let texts = Closeness(try ours.tensor("text_embeds").data, try ref.tensor("text_embeds").data)
    #expect(texts.maxRelToScale <= 1e-5, "\(texts)")
  }

  @Test func embedTextsOnlyWritesOnlyTextEmbeds() throws {
    let out = Fixtures.temporaryDirectory("embed").appendingPathComponent("t.safetensors")
    let r = try run(["embed", "--model", model.path, "--texts", e2e.appendingPathComponent("texts.txt").path, "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let f = try SafeTensorsFile(contentsOf: out)
    #expect(f.names == ["text_embeds"])
    #expect(f.info("text_embeds")?.shape == [4, 24])
  }

  @Test func tokenizePrintsTransformersIds() throws {
    let r = try run(["tokenize", "--model", model.path, "--texts", e2e.appendingPathComponent("texts.txt").path, "--context-length", "16"])
    #expect(r.status == 0, "\(r.stderr)")
    let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: e2e.appendingPathComponent("token_ids.json"))) as! [[Int]]
    let lines = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [Int] }
    #expect(lines == expected)
  }

  /// Writes a CSV caption table over the e2e images (two captions for the first image).
  func captionTable() throws -> URL {
    let dir = Fixtures.temporaryDirectory("retrieval")
    for i in 0..<4 {
      let name = "image_\(i).\(i < 2 ? "png" : "jpg")"
      try FileManager.default.copyItem(at: e2e.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    let csv = """
      filepath,caption
      image_0.png,a photo of a cat
      image_0.png,"a cat, sitting"
      image_1.png,Two DOGS
      image_2.jpg,a red square
      image_3.jpg,the sky at night
      """
    let url = dir.appendingPathComponent("captions.csv")
    try csv.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test func evalRetrievalWritesTheDocumentedJSON() throws {
    let data = try captionTable()
    let out = data.deletingLastPathComponent().appendingPathComponent("result.json")
    let r = try run(["eval", "retrieval", "--model", model.path, "--data", data.path, "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
    #expect(json["images"] as? Int == 4 && json["texts"] as? Int == 5)
    let i2t = json["image_to_text"] as! [String: Double], t2i = json["text_to_image"] as! [String: Double]
    #expect(Set(i2t.keys) == ["R@1", "R@5", "R@10"] && Set(t2i.keys) == ["R@1", "R@5", "R@10"])
    // The same numbers as the library computes from the same files.
    let pipeline = try CLIPPipeline.load(modelDirectory: model)
    let dir = data.deletingLastPathComponent()
    let images = try pipeline.imageFeatures(["image_0.png", "image_1.png", "image_2.jpg", "image_3.jpg"].map { dir.appendingPathComponent($0) })
    let texts = try pipeline.textFeatures(["a photo of a cat", "a cat, sitting", "Two DOGS", "a red square", "the sky at night"])
    let expected = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: [0, 0, 1, 2, 3])
    #expect(abs(i2t["R@1"]! - expected.imageToText.r1) < 1e-9 && abs(t2i["R@1"]! - expected.textToImage.r1) < 1e-9)
    #expect(i2t["R@5"] == 100 && t2i["R@5"] == 100)  // 4 images, 5 texts: everything is in the top 5
    #expect(abs((json["mean_cosine"] as! Double) - expected.meanCosine) < 1e-6)
    #expect(r.stdout.contains("\"image_to_text\""))
  }

  @Test func zeroShotOnAnImageFolder() throws {
    let root = Fixtures.temporaryDirectory("zeroshot")
    for (cls, files) in [("png_file", ["image_0.png", "image_1.png"]), ("jpeg_file", ["image_2.jpg", "image_3.jpg"])] {
      let dir = root.appendingPathComponent("data/\(cls)")
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      for f in files { try FileManager.default.copyItem(at: e2e.appendingPathComponent(f), to: dir.appendingPathComponent(f)) }
    }
    let templates = root.appendingPathComponent("templates.txt")
    try "a photo of a {}.\nan image of the {c}\n".write(to: templates, atomically: true, encoding: .utf8)
    let out = root.appendingPathComponent("zs.json")
    let r = try run(["zero-shot", "--model", model.path, "--data", root.appendingPathComponent("data").path,
                     "--templates", templates.path, "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
    #expect(json["acc5"] is NSNull)  // fewer than 5 classes
    // Library reference: classes sorted by folder name ("jpeg file", "png file").
    let pipeline = try CLIPPipeline.load(modelDirectory: model)
    let perClass = try ["jpeg file", "png file"].map { name in
      try pipeline.textFeatures(["a photo of a \(name).", "an image of the \(name)"])
    }
    let images = try pipeline.imageFeatures(
      ["data/jpeg_file/image_2.jpg", "data/jpeg_file/image_3.jpg", "data/png_file/image_0.png", "data/png_file/image_1.png"]
        .map { root.appendingPathComponent($0) })
    let expected = try ZeroShot.evaluate(imageEmbeds: images, classifier: try ZeroShot.classifier(perClass), labels: [0, 0, 1, 1])
    #expect(abs((json["acc1"] as! Double) - expected.acc1) < 1e-9)
    #expect(abs((json["mean_per_class_recall"] as! Double) - expected.meanPerClassRecall) < 1e-9)
  }

  // MARK: bad inputs: a clear message naming the file, and a non-zero exit



  @Test func missingImageIsAClearError() throws {
    let out = Fixtures.temporaryDirectory("bad").appendingPathComponent("o.safetensors")
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--images", "/nonexistent/cat.jpg", "--output", out.path],
                      mentions: ["/nonexistent/cat.jpg", "no such"])
    #expect(!FileManager.default.fileExists(atPath: out.path))
  }

  @Test func corruptImageIsAClearError() throws {
    let dir = Fixtures.temporaryDirectory("bad")
    let bad = dir.appendingPathComponent("broken.jpg")
    let jpeg = try Data(contentsOf: e2e.appendingPathComponent("image_2.jpg"))
    try jpeg.prefix(jpeg.count / 3).write(to: bad)  // truncated
    let garbage = dir.appendingPathComponent("garbage.png")
    try Data((0..<500).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: garbage)
    for file in [bad, garbage] {
      try CommandLineTool.expectFailure(["embed", "--model", model.path, "--images", file.path, "--output", dir.appendingPathComponent("o.safetensors").path],
                        mentions: [file.lastPathComponent])
    }
  }

  /// A copy of the tiny model folder, for breaking one file in it.
  func modelCopy() throws -> URL {
    let dir = Fixtures.temporaryDirectory("model").appendingPathComponent("model")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for f in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json"] {
      try FileManager.default.copyItem(at: model.appendingPathComponent(f), to: dir.appendingPathComponent(f))
    }
    return dir
  }

  @Test func truncatedSafetensorsIsAClearError() throws {
    let dir = try modelCopy()
    let weights = dir.appendingPathComponent("model.safetensors")
    let data = try Data(contentsOf: weights)
    try data.prefix(data.count - 1000).write(to: weights)
    try CommandLineTool.expectFailure(["embed", "--model", dir.path, "--texts", e2e.appendingPathComponent("texts.txt").path,
                       "--output", dir.appendingPathComponent("o.safetensors").path],
                      mentions: ["model.safetensors"])
  }

  @Test func configWithoutRequiredKeyIsAClearError() throws {
    let dir = try modelCopy()
    let config = dir.appendingPathComponent("config.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
    json.removeValue(forKey: "vision_config")
    try JSONSerialization.data(withJSONObject: json).write(to: config)
    try CommandLineTool.expectFailure(["embed", "--model", dir.path, "--texts", e2e.appendingPathComponent("texts.txt").path,
                       "--output", dir.appendingPathComponent("o.safetensors").path],
                      mentions: ["config.json", "vision_config"])
  }

  @Test func emptyTextFileIsAClearError() throws {
    let empty = Fixtures.temporaryDirectory("bad").appendingPathComponent("empty.txt")
    try Data().write(to: empty)
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", empty.path, "--output", "/tmp/never.safetensors"],
                      mentions: ["empty.txt", "empty"])
    try CommandLineTool.expectFailure(["tokenize", "--model", model.path, "--texts", empty.path], mentions: ["empty.txt"])
  }

  @Test func unknownFlagAndMissingModelAreClearErrors() throws {
    try CommandLineTool.expectFailure(["embed", "--model", model.path, "--texts", e2e.appendingPathComponent("texts.txt").path,
                       "--output", "/tmp/never.safetensors", "--frobnicate", "3"], mentions: ["--frobnicate"])
    try CommandLineTool.expectFailure(["embed", "--model", "/nonexistent/model", "--texts", e2e.appendingPathComponent("texts.txt").path,
                       "--output", "/tmp/never.safetensors"], mentions: ["/nonexistent/model"])
    try CommandLineTool.expectFailure(["no-such-subcommand"], mentions: ["no-such-subcommand"])
  }
}

/// `--adapter` on the inference commands: the CLI applies a PEFT-written adapter exactly as the
/// library does (whose match with PEFT is tested in PEFTTests), and a broken one is a clear error.
struct AdapterCLITests {
  @Test func embedWithAdapterMatchesTheLibraryAndDiffersFromTheBase() throws {
    let model = Fixtures.url("clip/tiny"), peft = Fixtures.url("peft/tiny_lora")
    let dir = Fixtures.temporaryDirectory("adapter-embed")
    let texts = dir.appendingPathComponent("texts.txt"), out = dir.appendingPathComponent("o.safetensors")
    try "a photo of a cat\ntwo dogs\n".write(to: texts, atomically: true, encoding: .utf8)
    let adapted = try CommandLineTool.run(["embed", "--model", model.path, "--adapter", peft.path, "--texts", texts.path, "--output", out.path])
    #expect(adapted.status == 0, "\(adapted.stderr)")
    let cli = try SafeTensorsFile(contentsOf: out).tensor("text_embeds")
    let pipeline = try CLIPPipeline.load(modelDirectory: model)
    let base = try pipeline.textFeatures(["a photo of a cat", "two dogs"])
    try LoRA.load(adapterDirectory: peft, onto: pipeline.model)
    let library = try pipeline.textFeatures(["a photo of a cat", "two dogs"])
    #expect(Closeness(cli.data, library.data).maxAbs == 0)
    #expect(Closeness(cli.data, base.data).maxAbs > 1e-3)  // the adapter changes the features
    let bad = try CommandLineTool.run(["embed", "--model", model.path, "--adapter", dir.path, "--texts", texts.path, "--output", out.path])
    #expect(bad.status != 0 && bad.stderr.contains("adapter_config.json"), "\(bad.stderr)")
  }
}
