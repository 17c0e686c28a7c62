import Captioning
import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// The captioner's ViT encoder against transformers' `ViTModel` with the pooling layer
/// (Scripts/fixtures/make_vit_fixtures.py): last_hidden_state and every parameter's gradient
/// within 1e-5 of their scale (the key biases', zero up to rounding, within 1e-5 of the key
/// weights' gradient scale); the pooler gets none, as in transformers.
struct ViTEncoderTests {
  static var tinyConfig: ViTConfig {
    var c = ViTConfig()
    c.imageSize = 32; c.patchSize = 8; c.hiddenSize = 16; c.numHiddenLayers = 2; c.numAttentionHeads = 4
    c.intermediateSize = 64
    return c
  }

  /// Compares a gradient with transformers'. The key bias's gradient is exactly zero in exact
  /// arithmetic (adding a constant to every key shifts each query's scores equally, which softmax
  /// ignores), so both sides hold rounding noise: it is checked against the key weight's scale.
  static func checkGradient(_ p: Parameter, _ f: SafeTensorsFile) throws {
    guard let g = p.grad else { Issue.record("\(p.name) got no gradient"); return }
    let expected = try f.tensor("d." + p.name).data
    if p.name.hasSuffix(".key.bias") {
      let scale = try f.tensor("d." + p.name.replacingOccurrences(of: ".bias", with: ".weight")).data.map(abs).max()!
      let worst = zip(g.data, expected).map { max(abs($0), abs($1)) }.max()!
      #expect(worst <= 1e-5 * scale, "d\(p.name): \(worst) is not ~0 next to the key weight's scale \(scale)")
    } else if let m = mismatches(g.data, expected, tolerance: 1e-5, relative: true) {
      Issue.record("d\(p.name): \(m)")
    }
  }

  static func loaded() throws -> (ViTEncoder, SafeTensorsFile) {
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("vit/encoder.safetensors"))
    let encoder = ViTEncoder(tinyConfig)
    for p in encoder.parameters { p.value = try f.tensor(p.name) }
    return (encoder, f)
  }

  @Test func namesAndOrderAreTheCheckpoints() throws {
    let (encoder, f) = try Self.loaded()
    // transformers 5's named_parameters() (in-memory modules renamed back): the same names. Its order
    // puts layernorm_before/after before the MLP; ours is transformers 4's module order, the one
    // the Hub's ViT checkpoints were written in.
    let hf = try JSONSerialization.jsonObject(with: Data(f.metadata["parameter_order"]!.utf8)) as! [String]
    let names = encoder.parameters.map(\.name)
    #expect(names.count == 40 && Set(names) == Set(hf))
    let layer0 = ["attention.attention.query", "attention.attention.key", "attention.attention.value",
                  "attention.output.dense", "intermediate.dense", "output.dense", "layernorm_before", "layernorm_after"]
      .flatMap { ["encoder.encoder.layer.0.\($0).weight", "encoder.encoder.layer.0.\($0).bias"] }
    #expect(Array(names[0..<20]) == ["encoder.embeddings.cls_token", "encoder.embeddings.position_embeddings",
                                     "encoder.embeddings.patch_embeddings.projection.weight",
                                     "encoder.embeddings.patch_embeddings.projection.bias"] + layer0)
    #expect(Array(names.suffix(4)) == ["encoder.layernorm.weight", "encoder.layernorm.bias",
                                        "encoder.pooler.dense.weight", "encoder.pooler.dense.bias"])
    for p in encoder.parameters { #expect(p.shape == f.info(p.name)!.shape, "\(p.name)") }
    #expect(Self.tinyConfig.tokenCount == 17)
    // Bare ViTModel names with an empty prefix.
    #expect(ViTEncoder(Self.tinyConfig, prefix: "").parameters.first?.name == "embeddings.cls_token")
  }

  @Test func matchesTransformers() throws {
    let (encoder, f) = try Self.loaded()
    let pixels = try f.tensor("pixel_values")
    #expect(encoder.inputProblem(pixels) == nil)
    let inference = encoder.forward(pixels)
    let hidden = encoder.forward(pixels, training: true)
    #expect(hidden.shape == [2, 17, 16])
    #expect(inference.data == hidden.data)
    if let m = mismatches(hidden.data, try f.tensor("last_hidden_state").data, tolerance: 1e-5, relative: true) {
      Issue.record("last_hidden_state: \(m)")
    }
    encoder.backward(try f.tensor("g"))
    for p in encoder.parameters {
      if p.name.hasPrefix("encoder.pooler.") {
        #expect(p.grad == nil, "\(p.name) got a gradient; transformers gives it none")
        continue
      }
      try Self.checkGradient(p, f)
    }
  }

  /// Only the last layer trains: the same gradients there, none elsewhere (nothing below runs backward).
  @Test func frozenExceptLastBlock() throws {
    let (encoder, f) = try Self.loaded()
    encoder.setTrainable(false)
    encoder.blocks.last!.setTrainable(true)
    _ = encoder.forward(try f.tensor("pixel_values"), training: true)
    encoder.backward(try f.tensor("g"))
    let trained = Set(encoder.blocks.last!.parameters.map(\.name))
    #expect(trained.count == 16)
    for p in encoder.parameters {
      guard trained.contains(p.name) else { #expect(p.grad == nil, "\(p.name) is frozen"); continue }
      try Self.checkGradient(p, f)
    }
  }

  /// Only the patch embedding trains (the whole stack runs backward to reach it).
  @Test func onlyPatchEmbeddingTrains() throws {
    let (encoder, f) = try Self.loaded()
    encoder.setTrainable(false)
    encoder.patchEmbedding.setTrainable(true)
    _ = encoder.forward(try f.tensor("pixel_values"), training: true)
    encoder.backward(try f.tensor("g"))
    for p in encoder.parameters {
      guard p.trainable else { #expect(p.grad == nil, "\(p.name) is frozen"); continue }
      try Self.checkGradient(p, f)
    }
  }

  @Test func wrongPixelSizeIsNamed() {
    let encoder = ViTEncoder(Self.tinyConfig)
    #expect(encoder.inputProblem(Tensor(zeros: [1, 3, 24, 24]))?.contains("image_size 32") == true)
    #expect(encoder.inputProblem(Tensor(zeros: [1, 1, 32, 32])) != nil)
  }

  // MARK: config

  @Test func configDefaultsAreTransformers() throws {
    let c = try ViTConfig(dictionary: [:], section: "encoder", file: "config.json")
    #expect(c == ViTConfig())
    #expect(c.hiddenSize == 768 && c.numHiddenLayers == 12 && c.numAttentionHeads == 12 && c.intermediateSize == 3072)
    #expect(c.hiddenAct == "gelu" && c.layerNormEps == 1e-12 && c.imageSize == 224 && c.patchSize == 16)
    #expect(c.numChannels == 3 && c.qkvBias && c.poolerWidth == 768 && c.poolerAct == "tanh")
    #expect(c.tokenCount == 197)
    // Null keys take defaults; `encoder_stride` and dropout rates are ignored.
    let d: [String: Any] = ["hidden_size": NSNull(), "encoder_stride": 16, "hidden_dropout_prob": 0.0]
    #expect(try ViTConfig(dictionary: d, section: "encoder", file: "config.json") == ViTConfig())
  }

  @Test func configReadsValues() throws {
    let d: [String: Any] = [
      "model_type": "vit", "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4,
      "intermediate_size": 64, "hidden_act": "gelu_new", "layer_norm_eps": 1e-6, "image_size": [32, 32],
      "patch_size": 8, "num_channels": 1, "qkv_bias": false, "pooler_output_size": 8,
    ]
    let c = try ViTConfig(dictionary: d, section: "encoder", file: "config.json")
    #expect(c.hiddenSize == 16 && c.numHiddenLayers == 2 && c.numAttentionHeads == 4 && c.intermediateSize == 64)
    #expect(c.hiddenAct == "gelu_new" && c.layerNormEps == 1e-6 && c.imageSize == 32 && c.patchSize == 8)
    #expect(c.numChannels == 1 && !c.qkvBias && c.poolerWidth == 8 && c.tokenCount == 17)
    let encoder = ViTEncoder(c)
    let names = Set(encoder.parameters.map(\.name))
    #expect(!names.contains("encoder.encoder.layer.0.attention.attention.query.bias"))
    #expect(names.contains("encoder.encoder.layer.0.attention.output.dense.bias"))
    #expect((encoder.pooler as? Linear)?.weight.shape == [8, 16])
    #expect(encoder.patchEmbedding.weight.shape == [16, 1, 8, 8])
  }

  @Test(arguments: [
    (#"{"hidden_size": "big"}"#, "'encoder.hidden_size' must be an integer"),
    (#"{"hidden_size": 0}"#, "'encoder.hidden_size' must be at least 1"),
    (#"{"hidden_size": 1073741824}"#, "'encoder.hidden_size' is 1073741824, above the limit"),
    (#"{"num_attention_heads": 5}"#, "'encoder.hidden_size' 768 is not divisible by 'encoder.num_attention_heads' 5"),
    (#"{"patch_size": 15}"#, "'encoder.image_size' 224 is not a multiple of 'encoder.patch_size' 15"),
    (#"{"image_size": [224, 160]}"#, "'encoder.image_size' is 224×160; only square sizes"),
    (#"{"image_size": [224]}"#, "'encoder.image_size' must be an integer or a [height, width] list"),
    (#"{"patch_size": 16.5}"#, "'encoder.patch_size' must be an integer"),
    (#"{"hidden_act": "relu"}"#, "'encoder.hidden_act' is 'relu'"),
    (#"{"layer_norm_eps": 0}"#, "'encoder.layer_norm_eps' must be a finite number in (0, 1)"),
    (#"{"layer_norm_eps": 2.0}"#, "'encoder.layer_norm_eps' must be a finite number in (0, 1)"),
    (#"{"qkv_bias": 1}"#, "'encoder.qkv_bias' must be true or false"),
    (#"{"model_type": "deit"}"#, "'encoder.model_type' is 'deit'"),
    (#"{"num_channels": 0}"#, "'encoder.num_channels' must be at least 1"),
    (#"{"intermediate_size": -3}"#, "'encoder.intermediate_size' must be at least 1"),
    (#"{"num_hidden_layers": 100000}"#, "'encoder.num_hidden_layers' is 100000, above the limit"),
  ])
  func badConfigValuesAreNamed(_ json: String, _ needle: String) throws {
    let d = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    do {
      _ = try ViTConfig(dictionary: d, section: "encoder", file: "/models/cap/config.json")
      Issue.record("accepted \(d)")
    } catch let e as CaptioningError {
      #expect(e.file == "/models/cap/config.json")
      #expect(e.description.hasPrefix("/models/cap/config.json: "))
      #expect(e.description.contains(needle), "\(e.description)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func validateCatchesHandBuiltConfigs() {
    var c = ViTConfig()
    c.numAttentionHeads = 7
    #expect(throws: CaptioningError.self) { try c.validate(file: "x.json", section: "") }
    #expect(throws: Never.self) { try ViTConfig().validate(file: "x.json", section: "") }
    #expect(CaptioningError("no file").description == "no file")
  }
}
