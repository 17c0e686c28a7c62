import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

/// `cliptune` on model folders and inputs edited by hand: every broken file gives a non-zero exit
/// and a message naming the file and the problem, never a crash, and leaves an existing output
/// file as it was.
struct ModelInputCLITests {
  static let tiny = Fixtures.url("clip/tiny")
  static let e2e = Fixtures.url("clip/tiny/e2e")

  /// A scratch folder holding a copy of the tiny model (`model/`), a text file and an output file
  /// that already exists (so a failing run can be seen not to touch it).
  struct Scratch {
    let root: URL
    var model: URL { root.appendingPathComponent("model") }
    var texts: URL { root.appendingPathComponent("texts.txt") }
    var output: URL { root.appendingPathComponent("out.safetensors") }
    static let previousOutput = Data("previous output".utf8)

    init(_ label: String) throws {
      root = Fixtures.temporaryDirectory("model-input-\(label)")
      try FileManager.default.createDirectory(at: root.appendingPathComponent("model"), withIntermediateDirectories: true)
      for name in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json"] {
        try FileManager.default.copyItem(at: tiny.appendingPathComponent(name), to: root.appendingPathComponent("model/\(name)"))
      }
      try "a photo of a cat\n".write(to: root.appendingPathComponent("texts.txt"), atomically: true, encoding: .utf8)
      try Self.previousOutput.write(to: root.appendingPathComponent("out.safetensors"))
    }

    func editJSON(_ name: String, _ edit: (inout [String: Any]) -> Void) throws {
      let url = model.appendingPathComponent(name)
      var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
      edit(&json)
      try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    func editConfig(_ tower: String, _ key: String, _ value: Any) throws {
      try editJSON("config.json") { json in
        if tower.isEmpty { json[key] = value; return }
        var t = json[tower] as! [String: Any]
        t[key] = value
        json[tower] = t
      }
    }

    /// Replaces `name` in the model folder with a folder or a FIFO.
    func replace(_ name: String, withFIFO: Bool) throws -> URL {
      let url = model.appendingPathComponent(name)
      try FileManager.default.removeItem(at: url)
      if withFIFO { #expect(mkfifo(url.path, 0o644) == 0) } else { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false) }
      return url
    }

    var embedTexts: [String] { ["embed", "--model", model.path, "--texts", texts.path, "--output", output.path] }

    func embedImages(_ images: [URL]) -> [String] {
      ["embed", "--model", model.path, "--images"] + images.map(\.path) + ["--output", output.path]
    }

    /// Runs `args` expecting failure with `needles` in stderr, then checks the output is untouched.
    func expectFailure(_ args: [String], mentions needles: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
      try CommandLineTool.expectFailure(args, mentions: needles, sourceLocation: sourceLocation)
      #expect(try Data(contentsOf: output) == Self.previousOutput, "the output was overwritten", sourceLocation: sourceLocation)
    }
  }

  @Test(arguments: [
    ("text_config", "eos_token_id", nil, "'text_config.eos_token_id' is missing or null"),
    ("text_config", "eos_token_id", 1000, "'text_config.eos_token_id' is 1000, outside the vocabulary (0..<1000"),
    ("vision_config", "num_channels", -3, "'vision_config.num_channels' must be at least 1, got -3"),
    ("text_config", "hidden_size", 0, "'text_config.hidden_size' must be at least 1, got 0"),
    ("", "projection_dim", 1 << 31, "'projection_dim' is 2147483648, above the limit of 16384"),
    ("text_config", "num_hidden_layers", 1_000_000, "'text_config.num_hidden_layers' is 1000000, above the limit of 1024"),
    ("text_config", "vocab_size", 1 << 25, "'text_config.vocab_size' is 33554432, above the limit of 4194304"),
    ("text_config", "vocab_size", 1 << 22, "tensor 'text_model.embeddings.token_embedding.weight' has shape [1000, 32] but config.json implies [4194304, 32]"),
  ] as [(String, String, Int?, String)])
  func badConfigValues(tower: String, key: String, value: Int?, message: String) throws {
    let s = try Scratch("config")
    try s.editConfig(tower, key, value.map { $0 as Any } ?? NSNull())
    let file = message.hasPrefix("tensor") ? "model/model.safetensors: " : "model/config.json: "
    try s.expectFailure(s.embedTexts, mentions: [file + message])
  }

  @Test func fifoModelFileIsRefusedWithoutHanging() throws {
    for name in ["model.safetensors", "config.json", "vocab.json", "merges.txt", "preprocessor_config.json"] {
      let s = try Scratch("fifo")
      let url = try s.replace(name, withFIFO: true)
      try s.expectFailure(s.embedTexts, mentions: ["\(url.path): is a FIFO, not a regular file"])
    }
  }

  @Test func folderWhereAFileBelongsIsNamed() throws {
    for (name, what) in [("config.json", "config file"), ("vocab.json", "tokenizer file"), ("merges.txt", "tokenizer file"),
                         ("preprocessor_config.json", "preprocessor config"), ("model.safetensors", "safetensors file")] {
      let s = try Scratch("folder")
      let url = try s.replace(name, withFIFO: false)
      try s.expectFailure(s.embedTexts, mentions: ["\(url.path): is a folder, not a \(what)"])
    }
    let s = try Scratch("image-folder")
    let image = s.root.appendingPathComponent("photo.png")
    try FileManager.default.createDirectory(at: image, withIntermediateDirectories: false)
    try s.expectFailure(s.embedImages([image]), mentions: ["\(image.path): is a folder, not an image file"])
  }

  @Test func duplicateKeyInTheCheckpointHeaderIsRefused() throws {
    let s = try Scratch("dup")
    let url = s.model.appendingPathComponent("model.safetensors")
    let bytes = [UInt8](try Data(contentsOf: url))
    let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    // The bias entry renamed to the weight's name: same offsets, a second "…weight" key.
    let target = "text_model.final_layer_norm.weight", twin = "text_model.final_layer_norm.bias"
    let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
      .replacingOccurrences(of: "\"\(twin)\"", with: "\"\(target)\"")
    let h = Array(header.utf8)
    let length = (0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) }
    try Data(length + h + bytes[(8 + n)...]).write(to: url)
    try s.expectFailure(s.embedTexts, mentions: ["model/model.safetensors: header has key '\(target)' twice"])
  }

  @Test func nonfiniteWeightsFailUnlessAllowed() throws {
    let s = try Scratch("nan")
    let url = s.model.appendingPathComponent("model.safetensors")
    let file = try SafeTensorsFile(contentsOf: url)
    var tensors: [(String, Tensor)] = []
    for name in file.names {
      var t = try file.tensor(name)
      if name == "text_projection.weight" { t.data[0] = .nan; t.data[5] = .infinity; t.data[9] = -.infinity }
      tensors.append((name, t))
    }
    try SafeTensorsWriter.write(tensors, to: url)
    try s.expectFailure(s.embedTexts, mentions: ["model/model.safetensors: tensor 'text_projection.weight' holds 3 NaN/Inf values", "--allow-nonfinite"])
    let allowed = try CommandLineTool.run(s.embedTexts + ["--allow-nonfinite"])
    #expect(allowed.status == 0, "\(allowed.stderr)")
    #expect(allowed.stderr.contains("warning: \(url.path): tensor 'text_projection.weight' holds 3 NaN/Inf values"), "\(allowed.stderr)")
    #expect(try SafeTensorsFile(contentsOf: s.output).names == ["text_embeds"])
  }

  @Test func imagesOfDifferentSizesWithoutCenterCropAreAClearError() throws {
    let s = try Scratch("nocrop")
    try s.editJSON("preprocessor_config.json") { $0["do_center_crop"] = false }
    let a = Self.e2e.appendingPathComponent("image_1.png"), b = Self.e2e.appendingPathComponent("image_3.jpg")
    try s.expectFailure(s.embedImages([a, b]), mentions: ["\(a.path): this 45×31 image preprocesses to 46×32 pixels, but the model takes 32×32"])
    // With an exact size the same images batch fine.
    try s.editJSON("preprocessor_config.json") { $0["size"] = ["height": 32, "width": 32] }
    let r = try CommandLineTool.run(s.embedImages([a, b]))
    #expect(r.status == 0, "\(r.stderr)")
  }

  @Test func badPreprocessorValuesAreNamed() throws {
    for (key, value, message) in [("image_std", [0.5, -1, 0.5] as Any, "image_std must hold finite positive numbers, got -1.0"),
                                  ("crop_size", 100_000 as Any, "crop_size must be in 1...8192 per side"),
                                  ("crop_size", 48 as Any, "crop_size 48×48 does not match the model's image_size 32")] {
      let s = try Scratch("pre")
      try s.editJSON("preprocessor_config.json") { $0[key] = value }
      try s.expectFailure(s.embedImages([Self.e2e.appendingPathComponent("image_0.png")]),
                          mentions: ["model/preprocessor_config.json: \(message)"])
    }
  }

  @Test func jpegWithAnEighteenByteExifChunkEmbeds() throws {
    let s = try Scratch("exif")
    let jpeg = [UInt8](try Data(contentsOf: Self.e2e.appendingPathComponent("image_2.jpg")))
    let tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00,
                         0x12, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00]
    let payload = Array("Exif\0\0".utf8) + tiff
    let app1: [UInt8] = [0xFF, 0xE1, 0, UInt8(payload.count + 2)] + payload
    let image = s.root.appendingPathComponent("short-exif.jpg")
    try Data(Array(jpeg[0..<2]) + app1 + Array(jpeg[2...])).write(to: image)
    let r = try CommandLineTool.run(s.embedImages([image]))
    #expect(r.status == 0, "\(r.stderr)")
  }

  @Test func truncatedImageIsNamed() throws {
    let s = try Scratch("truncated")
    let image = s.root.appendingPathComponent("cut.png")
    let png = try Data(contentsOf: Self.e2e.appendingPathComponent("image_0.png"))
    try png.prefix(png.count / 2).write(to: image)
    try s.expectFailure(s.embedImages([image]), mentions: ["\(image.path): image file is truncated"])
  }

  @Test func tokenizerFileErrorsAreNamed() throws {
    let dup = try Scratch("vocab-dup")
    let vocab = dup.model.appendingPathComponent("vocab.json")
    let text = try String(contentsOf: vocab, encoding: .utf8).replacingOccurrences(of: "\"B\": 33", with: "\"B\": 32")
    try text.write(to: vocab, atomically: true, encoding: .utf8)
    try dup.expectFailure(dup.embedTexts, mentions: ["model/vocab.json: tokens 'A' and 'B' both have id 32"])

    let rows = try Scratch("vocab-rows")
    let big = try String(contentsOf: rows.model.appendingPathComponent("vocab.json"), encoding: .utf8)
      .replacingOccurrences(of: "\"<|endoftext|>\": 999", with: "\"<|endoftext|>\": 5000")
    try big.write(to: rows.model.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8)
    try rows.expectFailure(rows.embedTexts, mentions: ["model/vocab.json: has token id 5000 but the model's token embedding has 1000 rows"])

    let merges = try Scratch("merges")
    try "#version: 0.2\nt h e\n".write(to: merges.model.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
    try merges.expectFailure(merges.embedTexts, mentions: ["model/merges.txt: line 2: expected two tokens"])

    let unknown = try Scratch("merges-unknown")
    try "#version: 0.2\nq zz\n".write(to: unknown.model.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
    try unknown.expectFailure(unknown.embedTexts, mentions: ["model/merges.txt: line 2: token 'zz'", "is not in the vocabulary"])
  }

  @Test func adapterWithAHugeRankIsNamed() throws {
    let s = try Scratch("adapter")
    let adapter = s.root.appendingPathComponent("adapter")
    try FileManager.default.copyItem(at: Fixtures.url("peft/tiny_lora"), to: adapter)
    let config = adapter.appendingPathComponent("adapter_config.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
    json["r"] = 1 << 40
    try JSONSerialization.data(withJSONObject: json).write(to: config)
    try s.expectFailure(s.embedTexts + ["--adapter", adapter.path], mentions: ["adapter/adapter_config.json: LoRA rank r is 1099511627776, above the limit of 16384"])
  }
}
