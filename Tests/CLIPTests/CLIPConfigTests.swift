import CLIP
import Foundation
import TestSupport
import Testing

struct CLIPConfigTests {
  func write(_ json: String) -> URL {
    let url = Fixtures.temporaryDirectory("config").appendingPathComponent("config.json")
    try! json.write(to: url, atomically: true, encoding: .utf8)
    return url
  }

  @Test func readsFixtureConfig() throws {
    let c = try CLIPConfig(contentsOf: Fixtures.url("clip/tiny_legacy_gelu/config.json"))
    #expect(c.projectionDim == 24)
    #expect(c.text.eosTokenId == 2 && c.text.hiddenAct == "gelu" && c.text.layerNormEps == 1e-6)
    #expect(c.vision.patchSize == 8 && c.vision.imageSize == 32 && c.vision.tokenCount == 17)
  }

  @Test func missingKeysTakeTransformersDefaults() throws {
    let c = try CLIPConfig(contentsOf: write(#"{"text_config": {}, "vision_config": {"patch_size": 16}}"#))
    #expect(c.text == CLIPTextConfig())
    #expect(c.vision.patchSize == 16 && c.vision.hiddenSize == 768 && c.projectionDim == 512)
  }

  @Test func missingTowerIsAClearError() throws {
    let url = write(#"{"text_config": {}}"#)
    let error = #expect(throws: CLIPError.self) { try CLIPConfig(contentsOf: url) }
    #expect(error?.description.contains("vision_config") == true)
    #expect(error?.description.contains(url.path) == true)
  }

  @Test func badValuesAreClearErrors() throws {
    for json in [
      #"{"text_config": {"hidden_size": "big"}, "vision_config": {}}"#,
      #"{"text_config": {"hidden_size": 30, "num_attention_heads": 4}, "vision_config": {}}"#,
      #"{"text_config": {}, "vision_config": {"hidden_act": "relu6"}}"#,
      #"{"text_config": {}, "vision_config": {"image_size": 100, "patch_size": 32}}"#,
      #"[1, 2]"#,
      "not json",
    ] {
      #expect(throws: CLIPError.self, "\(json)") { try CLIPConfig(contentsOf: write(json)) }
    }
  }

  @Test func writtenConfigReadsBack() throws {
    let url = Fixtures.temporaryDirectory("config").appendingPathComponent("config.json")
    try CLIPConfig.vitL14.write(to: url)
    #expect(try CLIPConfig(contentsOf: url) == CLIPConfig.vitL14)
  }

  @Test func missingWeightsAndWrongShapesAreClearErrors() throws {
    let dir = Fixtures.temporaryDirectory("weights")
    let src = Fixtures.url("clip/tiny")
    try FileManager.default.copyItem(at: src.appendingPathComponent("model.safetensors"), to: dir.appendingPathComponent("model.safetensors"))
    // A config whose text tower is wider than the weights.
    var config = try CLIPConfig(contentsOf: src.appendingPathComponent("config.json"))
    config.text.hiddenSize = 64
    try config.write(to: dir.appendingPathComponent("config.json"))
    let shapeError = #expect(throws: CLIPError.self) { try CLIPModel.load(directory: dir) }
    #expect(shapeError?.description.contains("shape") == true)
    // A config with one more layer than the weights.
    config = try CLIPConfig(contentsOf: src.appendingPathComponent("config.json"))
    config.vision.numHiddenLayers = 3
    try config.write(to: dir.appendingPathComponent("config.json"))
    let missing = #expect(throws: CLIPError.self) { try CLIPModel.load(directory: dir) }
    #expect(missing?.description.contains("vision_model.encoder.layers.2") == true)
  }

  @Test func presetsHaveTheReleasedParameterCounts() {
    // transformers' CLIPModel(ViT-B/32) has 151,277,313 parameters (+ position_ids buffers, not parameters).
    let b32 = CLIPModel(.vitB32)
    #expect(b32.parameters.reduce(0) { $0 + $1.value.count } == 151_277_313)
  }
}
