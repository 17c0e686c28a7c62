import Foundation
import Tensors

/// The image encoder's hyper-parameters: transformers' `ViTConfig` (the `encoder` section of a
/// `VisionEncoderDecoderModel` config.json), with its defaults for missing keys (those of
/// google/vit-base-patch16-224). The dropout rates are read for training (`ViTEncoder.setDropout`);
/// `initializer_range` and `encoder_stride` are not: weights come from checkpoints, and
/// `encoder_stride` only matters to `ViTForMaskedImageModeling`.
public struct ViTConfig: Sendable, Equatable {
  /// `hidden_size`, C.
  public var hiddenSize = 768
  /// `num_hidden_layers`.
  public var numHiddenLayers = 12
  /// `num_attention_heads`.
  public var numAttentionHeads = 12
  /// `intermediate_size`, the MLP width.
  public var intermediateSize = 3072
  /// `hidden_act` (exact-erf GELU by default).
  public var hiddenAct = "gelu"
  /// `layer_norm_eps`.
  public var layerNormEps: Double = 1e-12
  /// `image_size` (square; a `[h, w]` list must have h == w).
  public var imageSize = 224
  /// `patch_size` (square, like `image_size`).
  public var patchSize = 16
  /// `num_channels`.
  public var numChannels = 3
  /// `qkv_bias`: whether query, key and value have biases (the output projection always has one).
  public var qkvBias = true
  /// `pooler_output_size`; nil (transformers' default) means `hidden_size`.
  public var poolerOutputSize: Int? = nil
  /// `pooler_act`. Stored for completeness: the pooler is never run (see ``ViTEncoder``).
  public var poolerAct = "tanh"
  /// `hidden_dropout_prob` and `attention_probs_dropout_prob` (0 in ViT's and nlpconnect's
  /// configs), each in [0, 1): training applies them as transformers does (`ViTEncoder.setDropout`).
  public var dropouts: (hidden: Double, attention: Double) = (0, 0)

  public init() {}

  public static func == (a: ViTConfig, b: ViTConfig) -> Bool {
    a.hiddenSize == b.hiddenSize && a.numHiddenLayers == b.numHiddenLayers && a.numAttentionHeads == b.numAttentionHeads
      && a.intermediateSize == b.intermediateSize && a.hiddenAct == b.hiddenAct && a.layerNormEps == b.layerNormEps
      && a.imageSize == b.imageSize && a.patchSize == b.patchSize && a.numChannels == b.numChannels && a.qkvBias == b.qkvBias
      && a.poolerOutputSize == b.poolerOutputSize && a.poolerAct == b.poolerAct && a.dropouts == b.dropouts
  }

  /// Patches per side, g.
  public var gridSize: Int { imageSize / patchSize }
  /// Tokens per image: g² patches + CLS.
  public var tokenCount: Int { gridSize * gridSize + 1 }
  /// The pooler's output width (`pooler_output_size`, else `hidden_size`).
  public var poolerWidth: Int { poolerOutputSize ?? hiddenSize }

  /// Reads a parsed `ViTConfig` object, e.g. the `encoder` value of a VisionEncoderDecoderModel
  /// config.json (`section` "encoder", used in messages as `encoder.hidden_size`; "" at the top
  /// level). Absent or null keys take transformers' defaults; present keys of the wrong type, a
  /// `model_type` other than "vit", and values ``validate(file:section:)`` refuses are
  /// ``CaptioningError``s naming `file` and the key.
  public init(dictionary d: [String: Any], section: String, file: String) throws {
    let reader = JSONFieldReader(file: file) { CaptioningError(file: $0, $1) }
    func key(_ k: String) -> String { section.isEmpty ? k : "\(section).\(k)" }
    self.init()
    let modelType = try reader.string(d, "model_type", section, default: "vit")
    guard modelType == "vit" else {
      throw CaptioningError(file: file, "'\(key("model_type"))' is '\(modelType)'; only a ViT image encoder (model_type 'vit') is supported")
    }
    hiddenSize = try reader.int(d, "hidden_size", section, default: hiddenSize)
    numHiddenLayers = try reader.int(d, "num_hidden_layers", section, default: numHiddenLayers)
    numAttentionHeads = try reader.int(d, "num_attention_heads", section, default: numAttentionHeads)
    intermediateSize = try reader.int(d, "intermediate_size", section, default: intermediateSize)
    hiddenAct = try reader.string(d, "hidden_act", section, default: hiddenAct)
    layerNormEps = try reader.double(d, "layer_norm_eps", section, default: layerNormEps)
    imageSize = try Self.squareSide(d, "image_size", section, reader, default: imageSize)
    patchSize = try Self.squareSide(d, "patch_size", section, reader, default: patchSize)
    numChannels = try reader.int(d, "num_channels", section, default: numChannels)
    qkvBias = try reader.bool(d, "qkv_bias", section, default: qkvBias)
    poolerOutputSize = try reader.optionalInt(d, "pooler_output_size", section)
    if poolerOutputSize == 0 { poolerOutputSize = nil }  // transformers: `x if x else hidden_size`
    poolerAct = try reader.string(d, "pooler_act", section, default: poolerAct)
    dropouts = (try reader.double(d, "hidden_dropout_prob", section, default: 0),
                try reader.double(d, "attention_probs_dropout_prob", section, default: 0))
    try validate(file: file, section: section)
  }

  /// `image_size` / `patch_size`: an integer, or a `[height, width]` list of two equal integers.
  private static func squareSide(_ d: [String: Any], _ k: String, _ section: String, _ reader: JSONFieldReader,
                                 default value: Int) throws -> Int {
    guard let list = d[k] as? [Any] else { return try reader.int(d, k, section, default: value) }
    let name = section.isEmpty ? k : "\(section).\(k)"
    let sides = list.compactMap { ($0 as? NSNumber).flatMap { !$0.isBoolean && $0.doubleValue == $0.doubleValue.rounded() && abs($0.doubleValue) < 1e9 ? $0.intValue : nil } }
    guard list.count == 2, sides.count == 2 else {
      throw reader.error("'\(name)' must be an integer or a [height, width] list of integers, found \(list)")
    }
    let (h, w) = (sides[0], sides[1])
    guard h == w else { throw reader.error("'\(name)' is \(h)×\(w); only square sizes are supported") }
    return h
  }

  /// Upper bounds on every size, far above any released ViT (ViT-22B: hidden 6144, MLP 24576,
  /// 48 layers, 48 heads). They keep a corrupt config from asking for terabytes before a
  /// checkpoint's shapes are compared with it.
  public enum Limits {
    public static let hiddenSize = 16_384
    public static let intermediateSize = 131_072
    public static let layers = 1_024
    public static let heads = 1_024
    public static let imageSize = 8_192
    public static let patchSize = 1_024
    public static let numChannels = 16
    /// Tokens per image (patches + CLS).
    public static let tokens = 1 << 20
    /// Elements in all the encoder's weights together (2^36).
    public static let totalParameters = 1 << 36
  }

  /// Checks that the numbers describe a buildable encoder: every size positive and within
  /// ``Limits``, `hidden_size` divisible by `num_attention_heads`, `image_size` a multiple of
  /// `patch_size`, a known `hidden_act` (`Activation(huggingFace:)`), a finite `layer_norm_eps` in
  /// (0, 1), dropout rates in [0, 1), and a total weight count that fits. Errors name `file` and `section.key`.
  public func validate(file: String, section: String) throws {
    func key(_ k: String) -> String { section.isEmpty ? k : "\(section).\(k)" }
    func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
      if !ok { throw CaptioningError(file: file, message()) }
    }
    func size(_ value: Int, _ k: String, min: Int = 1, max: Int) throws {
      try check(value >= min, "'\(key(k))' must be at least \(min), got \(value)")
      try check(value <= max, "'\(key(k))' is \(value), above the limit of \(max) (corrupt config?)")
    }
    try size(hiddenSize, "hidden_size", max: Limits.hiddenSize)
    try size(numHiddenLayers, "num_hidden_layers", min: 0, max: Limits.layers)
    try size(numAttentionHeads, "num_attention_heads", max: Limits.heads)
    try size(intermediateSize, "intermediate_size", max: Limits.intermediateSize)
    try size(numChannels, "num_channels", max: Limits.numChannels)
    try size(patchSize, "patch_size", max: Limits.patchSize)
    try size(imageSize, "image_size", max: Limits.imageSize)
    try size(poolerWidth, "pooler_output_size", max: Limits.hiddenSize)
    try check(hiddenSize % numAttentionHeads == 0,
              "'\(key("hidden_size"))' \(hiddenSize) is not divisible by '\(key("num_attention_heads"))' \(numAttentionHeads)")
    try check(imageSize % patchSize == 0,
              "'\(key("image_size"))' \(imageSize) is not a multiple of '\(key("patch_size"))' \(patchSize)")
    try check(tokenCount <= Limits.tokens,
              "'\(key("image_size"))' \(imageSize) / '\(key("patch_size"))' \(patchSize) gives \(tokenCount) tokens, above the limit of \(Limits.tokens)")
    try check(layerNormEps.isFinite && layerNormEps > 0 && layerNormEps < 1,
              "'\(key("layer_norm_eps"))' must be a finite number in (0, 1), got \(layerNormEps)")
    for (k, p) in [("hidden_dropout_prob", dropouts.hidden), ("attention_probs_dropout_prob", dropouts.attention)] {
      try check(p >= 0 && p < 1, "'\(key(k))' must be in [0, 1), got \(p)")
    }
    try check(Activation(huggingFace: hiddenAct) != nil,
              "'\(key("hidden_act"))' is '\(hiddenAct)', not a supported activation (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu)")
    // Each size is bounded above, so this cannot overflow; counted in Double regardless.
    let c = Double(hiddenSize), i = Double(intermediateSize), p = Double(patchSize)
    let perLayer = 4 * c * c + 2 * c * i + i + 9 * c
    let total = Double(numHiddenLayers) * perLayer + c * Double(numChannels) * p * p + c * Double(tokenCount + 2)
      + 2 * c + c * Double(poolerWidth) + Double(poolerWidth)
    try check(total <= Double(Limits.totalParameters),
              "the sizes imply \(Int(total)) weights, above the limit of \(Limits.totalParameters) (corrupt config?)")
  }
}

extension ViTConfig {
  /// The `encoder` section as transformers writes it (the keys ClipTune reads).
  public var jsonObject: [String: Any] {
    var d: [String: Any] = [
      "model_type": "vit", "hidden_size": hiddenSize, "num_hidden_layers": numHiddenLayers,
      "num_attention_heads": numAttentionHeads, "intermediate_size": intermediateSize, "hidden_act": hiddenAct,
      "layer_norm_eps": layerNormEps, "image_size": imageSize, "patch_size": patchSize, "num_channels": numChannels,
      "qkv_bias": qkvBias, "pooler_act": poolerAct, "hidden_dropout_prob": dropouts.hidden, "attention_probs_dropout_prob": dropouts.attention,
    ]
    if let poolerOutputSize { d["pooler_output_size"] = poolerOutputSize }
    return d
  }
}
