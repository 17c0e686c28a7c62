import CLIP
import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

/// A model folder whose `config.json` or weights are wrong fails at load with an error naming the
/// file and the key, before anything large is allocated; nothing traps.
struct CLIPLoadValidationTests {
  static let tiny = Fixtures.url("clip/tiny")

  /// A copy of the tiny model folder with `edit` applied to its config.json (as JSON).
  static func folder(editing edit: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
    let dir = Fixtures.temporaryDirectory("clip-load").appendingPathComponent("model")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for name in ["model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json"] {
      try FileManager.default.copyItem(at: tiny.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: tiny.appendingPathComponent("config.json"))) as! [String: Any]
    edit(&json)
    try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("config.json"))
    return dir
  }

  static func set(_ tower: String, _ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
    { json in
      if tower.isEmpty { json[key] = value; return }
      var t = json[tower] as! [String: Any]
      t[key] = value
      json[tower] = t
    }
  }

  /// The load error's text for a folder edited by `edit`.
  static func loadError(_ edit: @escaping (inout [String: Any]) -> Void) throws -> String {
    let dir = try folder(editing: edit)
    do {
      _ = try CLIPPipeline.load(modelDirectory: dir)
      return "(loaded)"
    } catch {
      return "\(error)"
    }
  }

  @Test(arguments: [
    ("eos_token_id", nil, "'text_config.eos_token_id' is missing or null"),
    ("eos_token_id", 1000, "'text_config.eos_token_id' is 1000, outside the vocabulary (0..<1000"),
    ("eos_token_id", -1, "'text_config.eos_token_id' is -1"),
    ("bos_token_id", 5000, "'text_config.bos_token_id' is 5000"),
    ("pad_token_id", 1000, "'text_config.pad_token_id' is 1000"),
  ] as [(String, Int?, String)])
  func tokenIdsOutsideTheVocabularyAreRefused(key: String, value: Int?, message: String) throws {
    let text = try Self.loadError(Self.set("text_config", key, value.map { $0 as Any } ?? NSNull()))
    #expect(text.contains("config.json: ") && text.contains(message), "\(text)")
  }

  @Test func missingEosTokenIdIsRefusedWhenTheDefaultDoesNotFit() throws {
    let text = try Self.loadError { json in
      var t = json["text_config"] as! [String: Any]
      t.removeValue(forKey: "eos_token_id")
      json["text_config"] = t
    }
    #expect(text.contains("'text_config.eos_token_id' is missing or null, and transformers' default 49407"), "\(text)")
  }

  @Test(arguments: [
    ("vision_config", "num_channels", -3, "'vision_config.num_channels' must be at least 1, got -3"),
    ("vision_config", "num_channels", 0, "'vision_config.num_channels' must be at least 1, got 0"),
    ("vision_config", "hidden_size", -48, "'vision_config.hidden_size' must be at least 1"),
    ("text_config", "hidden_size", 0, "'text_config.hidden_size' must be at least 1"),
    ("text_config", "num_attention_heads", -4, "'text_config.num_attention_heads' must be at least 1"),
    ("vision_config", "num_hidden_layers", -1, "'vision_config.num_hidden_layers' must be at least 0"),
    ("vision_config", "image_size", -32, "'vision_config.image_size' must be at least 1"),
    ("vision_config", "patch_size", 0, "'vision_config.patch_size' must be at least 1"),
    ("text_config", "intermediate_size", -1, "'text_config.intermediate_size' must be at least 1"),
    ("text_config", "max_position_embeddings", 1, "'text_config.max_position_embeddings' must be at least 2"),
    ("", "projection_dim", 0, "'projection_dim' must be at least 1"),
    ("text_config", "vocab_size", -1000, "'text_config.vocab_size' must be at least 1"),
    ("text_config", "num_attention_heads", 5, "hidden_size 32 is not divisible by num_attention_heads 5"),
    ("vision_config", "patch_size", 7, "image_size 32 is not a multiple of patch_size 7"),
    ("vision_config", "patch_size", 64, "image_size 32 must be at least patch_size 64"),
  ])
  func negativeZeroAndInconsistentSizesAreRefused(tower: String, key: String, value: Int, message: String) throws {
    let text = try Self.loadError(Self.set(tower, key, value))
    #expect(text.contains("config.json: ") && text.contains(message), "\(text)")
  }

  @Test(arguments: [
    ("", "projection_dim", 1 << 31, "'projection_dim' is 2147483648, above the limit of 16384"),
    ("text_config", "num_hidden_layers", 1_000_000, "'text_config.num_hidden_layers' is 1000000, above the limit of 1024"),
    ("text_config", "vocab_size", 1 << 25, "'text_config.vocab_size' is 33554432, above the limit of 4194304"),
    ("vision_config", "hidden_size", 1 << 40, "'vision_config.hidden_size' is 1099511627776, above the limit"),
    ("vision_config", "image_size", 1 << 20, "'vision_config.image_size' is 1048576, above the limit"),
    ("text_config", "max_position_embeddings", Int(Int32.max), "'text_config.max_position_embeddings' is 2147483647, above the limit"),
  ])
  func hugeSizesAreRefusedBeforeAllocating(tower: String, key: String, value: Int, message: String) throws {
    let text = try Self.loadError(Self.set(tower, key, value))
    #expect(text.contains(message), "\(text)")
  }

  @Test func sizesEachWithinBoundsButHugeTogetherAreRefused() {
    var c = CLIPConfig()
    c.text.vocabSize = 1 << 22
    c.text.hiddenSize = 16_384
    c.text.numAttentionHeads = 16
    c.text.intermediateSize = 65_536
    c.text.numHiddenLayers = 64
    let error = #expect(throws: CLIPError.self) { try c.validate(file: "config.json") }
    #expect(error?.description.hasPrefix("config.json: the sizes imply ") == true
            && error?.description.contains("weights, above the limit of 68719476736") == true, "\(String(describing: error))")
    #expect(throws: Never.self) { try CLIPConfig.vitL14.validate() }
  }

  @Test func numbersBeyondExactIntegersAreRefused() throws {
    let text = try Self.loadError(Self.set("text_config", "hidden_size", 1e30))
    #expect(text.contains("'text_config.hidden_size' is") && text.contains("far outside any sensible range"), "\(text)")
    let eps = try Self.loadError(Self.set("vision_config", "layer_norm_eps", -1.0))
    #expect(eps.contains("'vision_config.layer_norm_eps' must be a finite number in (0, 1)"), "\(eps)")
  }

  /// Sizes that pass the bounds but disagree with the checkpoint are caught from the header alone:
  /// a 2^22-row vocabulary would need 512 MB of zeros if the model were built first.
  @Test func largeConfigAgainstASmallCheckpointFailsOnTheHeader() throws {
    let text = try Self.loadError(Self.set("text_config", "vocab_size", 1 << 22))
    #expect(text.contains("model.safetensors: tensor 'text_model.embeddings.token_embedding.weight' has shape [1000, 32] but config.json implies [4194304, 32]"), "\(text)")
    let layers = try Self.loadError(Self.set("vision_config", "num_hidden_layers", 1000))
    #expect(layers.contains("missing") && layers.contains("vision_model.encoder.layers.2."), "\(layers)")
  }

  @Test func parameterShapesMatchTheModel() throws {
    for config in [try CLIPConfig(contentsOf: Self.tiny.appendingPathComponent("config.json")), CLIPConfig.vitB32] {
      let model = CLIPModel(config)
      let built = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.shape) })
      let listed = config.parameterShapes()
      #expect(listed.count == built.count)
      #expect(Dictionary(uniqueKeysWithValues: listed.map { ($0.name, $0.shape) }) == built)
    }
  }

  /// Writes the tiny checkpoint with `count` values of one tensor replaced by NaN/±Inf.
  static func folderWithNonfiniteWeights(_ name: String, count: Int) throws -> URL {
    let dir = try folder()
    let url = dir.appendingPathComponent("model.safetensors")
    let file = try SafeTensorsFile(contentsOf: url)
    var tensors: [(String, Tensor)] = []
    for n in file.names {
      var t = try file.tensor(n)
      if n == name { for i in 0..<count { t.data[i] = [Float.nan, .infinity, -.infinity][i % 3] } }
      tensors.append((n, t))
    }
    try SafeTensorsWriter.write(tensors, to: url)
    return dir
  }

  @Test func nonfiniteWeightsAreRefusedByName() throws {
    let dir = try Self.folderWithNonfiniteWeights("text_model.final_layer_norm.weight", count: 3)
    let error = #expect(throws: NonfiniteWeightsError.self) { try CLIPModel.load(directory: dir) }
    #expect(error?.description == "\(dir.path)/model.safetensors: tensor 'text_model.final_layer_norm.weight' holds 3 NaN/Inf values")
    var warnings: [String] = []
    let model = try CLIPModel.load(directory: dir, allowNonfinite: true) { warnings.append($0) }
    #expect(warnings.count == 1 && warnings[0].contains("holds 3 NaN/Inf values"), "\(warnings)")
    #expect(model.text.finalLayerNorm.weight.value.data[0].isNaN)
  }

  @Test func nonfiniteCountIsExact() {
    let t = Tensor(shape: [6], data: [0, .nan, 1, .infinity, -.infinity, .greatestFiniteMagnitude])
    #expect(t.nonfiniteCount == 3)
    #expect(Tensor(zeros: [4]).nonfiniteCount == 0)
  }

  @Test func configThatIsAFolderOrAFIFOIsRefused() throws {
    let dir = try Self.folder()
    let config = dir.appendingPathComponent("config.json")
    try FileManager.default.removeItem(at: config)
    try FileManager.default.createDirectory(at: config, withIntermediateDirectories: false)
    let folder = #expect(throws: CLIPError.self) { try CLIPModel.load(directory: dir) }
    #expect(folder?.description == "\(config.path): is a folder, not a config file")
    try FileManager.default.removeItem(at: config)
    #expect(mkfifo(config.path, 0o644) == 0)
    let fifo = #expect(throws: CLIPError.self) { try CLIPModel.load(directory: dir) }
    #expect(fifo?.description == "\(config.path): is a FIFO, not a regular file")
  }

  @Test func tokenizerIdsMustFitTheEmbedding() throws {
    let dir = try Self.folder()
    let vocab = dir.appendingPathComponent("vocab.json")
    var text = try String(contentsOf: vocab, encoding: .utf8)
    text = text.replacingOccurrences(of: "\"<|endoftext|>\": 999", with: "\"<|endoftext|>\": 1999")
    try text.write(to: vocab, atomically: true, encoding: .utf8)
    let pipeline = try CLIPPipeline.load(modelDirectory: dir)
    let error = #expect(throws: CLIPError.self) { try pipeline.tokenize(["a cat"]) }
    #expect(error?.description == "\(vocab.path): has token id 1999 but the model's token embedding has 1000 rows (text_config.vocab_size in config.json)")
  }

  @Test func preprocessorSizeMustMatchTheModel() throws {
    let dir = try Self.folder()
    let pre = dir.appendingPathComponent("preprocessor_config.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: pre)) as! [String: Any]
    json["crop_size"] = 48
    try JSONSerialization.data(withJSONObject: json).write(to: pre)
    let crop = #expect(throws: CLIPError.self) { try CLIPPipeline.load(modelDirectory: dir) }
    #expect(crop?.description == "\(pre.path): crop_size 48×48 does not match the model's image_size 32 (config.json)")
    json["do_center_crop"] = false
    json["size"] = ["height": 32, "width": 32]
    try JSONSerialization.data(withJSONObject: json).write(to: pre)
    _ = try CLIPPipeline.load(modelDirectory: dir)  // an exact resize to the model's size needs no crop
  }
}
