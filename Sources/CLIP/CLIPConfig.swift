import Foundation
import Tensors

/// The text tower's hyper-parameters (`text_config` in HF `config.json`; missing keys take
/// `CLIPTextConfig`'s defaults).
public struct CLIPTextConfig: Sendable, Equatable, Codable {
  public var vocabSize = 49408
  public var hiddenSize = 512
  public var intermediateSize = 2048
  public var numHiddenLayers = 12
  public var numAttentionHeads = 8
  public var maxPositionEmbeddings = 77
  public var hiddenAct = "quick_gelu"
  public var layerNormEps: Double = 1e-5
  public var bosTokenId = 49406
  public var eosTokenId = 49407
  public var padTokenId = 1
  public init() {}
}

/// The vision tower's hyper-parameters (`vision_config`; defaults from `CLIPVisionConfig`).
public struct CLIPVisionConfig: Sendable, Equatable, Codable {
  public var hiddenSize = 768
  public var intermediateSize = 3072
  public var numHiddenLayers = 12
  public var numAttentionHeads = 12
  public var numChannels = 3
  public var imageSize = 224
  public var patchSize = 32
  public var hiddenAct = "quick_gelu"
  public var layerNormEps: Double = 1e-5
  public init() {}

  /// Patches per side.
  public var gridSize: Int { imageSize / patchSize }
  /// Tokens per image: patches + CLS.
  public var tokenCount: Int { gridSize * gridSize + 1 }
}

/// A whole CLIP model's configuration, read from a Hugging Face `config.json`.
public struct CLIPConfig: Sendable, Equatable, Codable {
  public var text = CLIPTextConfig()
  public var vision = CLIPVisionConfig()
  public var projectionDim = 512
  public var logitScaleInitValue: Double = 2.6592
  public init() {}

  /// ViT-B/32 as released by OpenAI (`openai/clip-vit-base-patch32`).
  public static var vitB32: CLIPConfig { CLIPConfig() }

  /// ViT-B/16.
  public static var vitB16: CLIPConfig { var c = CLIPConfig(); c.vision.patchSize = 16; return c }

  /// ViT-L/14 (`openai/clip-vit-large-patch14`).
  public static var vitL14: CLIPConfig {
    var c = CLIPConfig()
    c.projectionDim = 768
    c.text.hiddenSize = 768; c.text.intermediateSize = 3072; c.text.numAttentionHeads = 12
    c.vision.hiddenSize = 1024; c.vision.intermediateSize = 4096; c.vision.numHiddenLayers = 24
    c.vision.numAttentionHeads = 16; c.vision.patchSize = 14
    return c
  }

  /// Builds a named preset: `b32`, `b16`, `l14`.
  public static func preset(_ name: String) -> CLIPConfig? {
    switch name.lowercased() {
    case "b32", "vit-b/32", "vit-b-32": return .vitB32
    case "b16", "vit-b/16", "vit-b-16": return .vitB16
    case "l14", "vit-l/14", "vit-l-14": return .vitL14
    default: return nil
    }
  }

  /// Reads `config.json`. `text_config` and `vision_config` are required; keys inside them that are
  /// absent take transformers' defaults; present keys of the wrong type are errors.
  public init(contentsOf url: URL) throws {
    let file = url.path
    let data: Data
    do { data = try InputFile.read(file, what: "config file", limit: Self.maxConfigBytes) } catch let e as InputFileError {
      throw CLIPError(file: file, e.message)
    }
    guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw CLIPError(file: file, "not a JSON object")
    }
    let reader = JSONFieldReader(file: file) { CLIPError(file: $0, $1) }
    self.init()
    guard let textDict = root["text_config"] else {
      throw CLIPError(file: file, "missing required key 'text_config' (is this a CLIPModel config?)")
    }
    guard let visionDict = root["vision_config"] else {
      throw CLIPError(file: file, "missing required key 'vision_config' (is this a CLIPModel config?)")
    }
    guard let t = textDict as? [String: Any] else { throw CLIPError(file: file, "'text_config' is not an object") }
    guard let v = visionDict as? [String: Any] else { throw CLIPError(file: file, "'vision_config' is not an object") }
    projectionDim = try reader.int(root, "projection_dim", "", default: projectionDim)
    logitScaleInitValue = try reader.double(root, "logit_scale_init_value", "", default: logitScaleInitValue)

    text.vocabSize = try reader.int(t, "vocab_size", "text_config", default: text.vocabSize)
    text.hiddenSize = try reader.int(t, "hidden_size", "text_config", default: text.hiddenSize)
    text.intermediateSize = try reader.int(t, "intermediate_size", "text_config", default: text.intermediateSize)
    text.numHiddenLayers = try reader.int(t, "num_hidden_layers", "text_config", default: text.numHiddenLayers)
    text.numAttentionHeads = try reader.int(t, "num_attention_heads", "text_config", default: text.numAttentionHeads)
    text.maxPositionEmbeddings = try reader.int(t, "max_position_embeddings", "text_config", default: text.maxPositionEmbeddings)
    text.hiddenAct = try reader.string(t, "hidden_act", "text_config", default: text.hiddenAct)
    text.layerNormEps = try reader.double(t, "layer_norm_eps", "text_config", default: text.layerNormEps)
    text.bosTokenId = try reader.int(t, "bos_token_id", "text_config", default: text.bosTokenId)
    text.eosTokenId = try reader.int(t, "eos_token_id", "text_config", default: text.eosTokenId)
    text.padTokenId = try reader.int(t, "pad_token_id", "text_config", default: text.padTokenId)
    // Per-tower projection_dim, when given at the top level only, is the model's.
    for key in ["eos_token_id", "bos_token_id", "pad_token_id"] where t[key] == nil || t[key] is NSNull {
      let id = key == "eos_token_id" ? text.eosTokenId : key == "bos_token_id" ? text.bosTokenId : text.padTokenId
      if id >= text.vocabSize {
        throw CLIPError(file: file, "'text_config.\(key)' is missing or null, and transformers' default \(id) is outside this vocabulary (vocab_size \(text.vocabSize)); set it")
      }
    }

    vision.hiddenSize = try reader.int(v, "hidden_size", "vision_config", default: vision.hiddenSize)
    vision.intermediateSize = try reader.int(v, "intermediate_size", "vision_config", default: vision.intermediateSize)
    vision.numHiddenLayers = try reader.int(v, "num_hidden_layers", "vision_config", default: vision.numHiddenLayers)
    vision.numAttentionHeads = try reader.int(v, "num_attention_heads", "vision_config", default: vision.numAttentionHeads)
    vision.numChannels = try reader.int(v, "num_channels", "vision_config", default: vision.numChannels)
    vision.imageSize = try reader.int(v, "image_size", "vision_config", default: vision.imageSize)
    vision.patchSize = try reader.int(v, "patch_size", "vision_config", default: vision.patchSize)
    vision.hiddenAct = try reader.string(v, "hidden_act", "vision_config", default: vision.hiddenAct)
    vision.layerNormEps = try reader.double(v, "layer_norm_eps", "vision_config", default: vision.layerNormEps)
    try validate(file: file)
  }

  /// Upper bounds on every size, far above any released CLIP (ViT-bigG/14: hidden 1664, MLP 8192,
  /// 48 layers, 16 heads; EVA-CLIP-18B: hidden 5120, 48 layers, image 448; vocabularies up to
  /// 250k). They keep a corrupt or hostile `config.json` from asking for terabytes before the
  /// checkpoint's shapes are compared with it.
  public enum Limits {
    public static let hiddenSize = 16_384
    public static let intermediateSize = 131_072
    public static let layers = 1_024
    public static let heads = 1_024
    public static let vocabSize = 1 << 22
    public static let maxPositionEmbeddings = 1 << 16
    public static let projectionDim = 16_384
    public static let imageSize = 8_192
    public static let patchSize = 1_024
    public static let numChannels = 16
    /// Vision tokens per image (patches + CLS).
    public static let visionTokens = 1 << 20
    /// Elements in all the model's weights together (2^36 ≈ 69 billion).
    public static let totalParameters = 1 << 36
  }

  /// `config.json` files above this size are refused unread.
  public static let maxConfigBytes = 16 << 20

  /// Checks that the numbers describe a buildable model: every size positive and within
  /// ``Limits``, divisibility (heads, patches), token ids inside the vocabulary, finite
  /// `layer_norm_eps` and logit scale, a known activation, and a total weight count that fits.
  public func validate(file: String = "") throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw CLIPError(file: file, message) } }
    func size(_ value: Int, _ key: String, min: Int = 1, max: Int) throws {
      try check(value >= min, "'\(key)' must be at least \(min), got \(value)")
      try check(value <= max, "'\(key)' is \(value), above the limit of \(max) (corrupt config?)")
    }
    for (tower, hidden, heads, layers, inter) in [
      ("text_config", text.hiddenSize, text.numAttentionHeads, text.numHiddenLayers, text.intermediateSize),
      ("vision_config", vision.hiddenSize, vision.numAttentionHeads, vision.numHiddenLayers, vision.intermediateSize),
    ] {
      try size(hidden, "\(tower).hidden_size", max: Limits.hiddenSize)
      try size(heads, "\(tower).num_attention_heads", max: Limits.heads)
      try size(layers, "\(tower).num_hidden_layers", min: 0, max: Limits.layers)
      try size(inter, "\(tower).intermediate_size", max: Limits.intermediateSize)
      try check(hidden % heads == 0, "\(tower): hidden_size \(hidden) is not divisible by num_attention_heads \(heads)")
    }
    try size(projectionDim, "projection_dim", max: Limits.projectionDim)
    try size(text.vocabSize, "text_config.vocab_size", max: Limits.vocabSize)
    try size(text.maxPositionEmbeddings, "text_config.max_position_embeddings", min: 2, max: Limits.maxPositionEmbeddings)
    for (key, id) in [("eos_token_id", text.eosTokenId), ("bos_token_id", text.bosTokenId), ("pad_token_id", text.padTokenId)] {
      try check(id >= 0 && id < text.vocabSize,
                "'text_config.\(key)' is \(id), outside the vocabulary (0..<\(text.vocabSize), vocab_size)")
    }
    try size(vision.numChannels, "vision_config.num_channels", max: Limits.numChannels)
    try size(vision.patchSize, "vision_config.patch_size", max: Limits.patchSize)
    try size(vision.imageSize, "vision_config.image_size", max: Limits.imageSize)
    try check(vision.imageSize >= vision.patchSize, "vision_config: image_size \(vision.imageSize) must be at least patch_size \(vision.patchSize)")
    try check(vision.imageSize % vision.patchSize == 0, "vision_config: image_size \(vision.imageSize) is not a multiple of patch_size \(vision.patchSize)")
    try check(vision.tokenCount <= Limits.visionTokens,
              "vision_config: image_size \(vision.imageSize) / patch_size \(vision.patchSize) gives \(vision.tokenCount) tokens, above the limit of \(Limits.visionTokens)")
    for (key, eps) in [("text_config.layer_norm_eps", text.layerNormEps), ("vision_config.layer_norm_eps", vision.layerNormEps)] {
      try check(eps.isFinite && eps > 0 && eps < 1, "'\(key)' must be a finite number in (0, 1), got \(eps)")
    }
    try check(logitScaleInitValue.isFinite && abs(logitScaleInitValue) <= 100,
              "'logit_scale_init_value' must be a finite number of magnitude at most 100, got \(logitScaleInitValue)")
    try check(Activation(huggingFace: text.hiddenAct) != nil, "text_config: unsupported hidden_act '\(text.hiddenAct)' (quick_gelu, gelu, gelu_new, gelu_pytorch_tanh)")
    try check(Activation(huggingFace: vision.hiddenAct) != nil, "vision_config: unsupported hidden_act '\(vision.hiddenAct)' (quick_gelu, gelu, gelu_new, gelu_pytorch_tanh)")
    // The bounds above keep this far from overflowing; it is counted overflow-safe regardless.
    var total = 0
    for (_, shape) in parameterShapes() {
      var count = 1
      for d in shape {
        let (p, o) = count.multipliedReportingOverflow(by: d)
        try check(!o, "the sizes overflow when multiplied (corrupt config?)")
        count = p
      }
      let (sum, o) = total.addingReportingOverflow(count)
      try check(!o, "the sizes overflow when multiplied (corrupt config?)")
      total = sum
    }
    try check(total <= Limits.totalParameters,
              "the sizes imply \(total) weights, above the limit of \(Limits.totalParameters) (corrupt config?)")
  }

  /// Writes an HF-style `config.json` (atomically) that transformers' `CLIPConfig` reads.
  public func write(to url: URL) throws {
    let dict: [String: Any] = [
      "architectures": ["CLIPModel"], "model_type": "clip",
      "projection_dim": projectionDim, "logit_scale_init_value": logitScaleInitValue,
      "text_config": [
        "vocab_size": text.vocabSize, "hidden_size": text.hiddenSize, "intermediate_size": text.intermediateSize,
        "num_hidden_layers": text.numHiddenLayers, "num_attention_heads": text.numAttentionHeads,
        "max_position_embeddings": text.maxPositionEmbeddings, "hidden_act": text.hiddenAct,
        "layer_norm_eps": text.layerNormEps, "bos_token_id": text.bosTokenId,
        "eos_token_id": text.eosTokenId, "pad_token_id": text.padTokenId, "projection_dim": projectionDim,
      ],
      "vision_config": [
        "hidden_size": vision.hiddenSize, "intermediate_size": vision.intermediateSize,
        "num_hidden_layers": vision.numHiddenLayers, "num_attention_heads": vision.numAttentionHeads,
        "num_channels": vision.numChannels, "image_size": vision.imageSize, "patch_size": vision.patchSize,
        "hidden_act": vision.hiddenAct, "layer_norm_eps": vision.layerNormEps, "projection_dim": projectionDim,
      ],
    ]
    let data = try JSONSerialization.data(withJSONObject: dict, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: url, options: .atomic)
  }
}
