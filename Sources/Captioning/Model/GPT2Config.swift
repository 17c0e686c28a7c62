import Foundation
import Tensors

/// The GPT-2 decoder's hyper-parameters (`decoder` in a VisionEncoderDecoder `config.json`;
/// missing keys take transformers' `GPT2Config` defaults: GPT-2 small).
public struct GPT2Config: Sendable, Equatable {
  public var vocabSize = 50257
  public var nPositions = 1024
  public var nEmbd = 768
  public var nLayer = 12
  public var nHead = 12
  /// `n_inner`; nil means 4 · n_embd.
  public var nInner: Int?
  public var activationFunction = "gelu_new"
  public var layerNormEpsilon: Double = 1e-5
  public var addCrossAttention = false
  public var bosTokenId: Int? = 50256
  public var eosTokenId: Int? = 50256
  public var padTokenId: Int?
  public var tieWordEmbeddings = true
  /// `resid_pdrop`, `embd_pdrop`, `attn_pdrop`: the training dropout on residual branches,
  /// embeddings and attention probabilities (`GPT2Decoder.setDropout`).
  public var dropouts: (resid: Double, embd: Double, attn: Double) = (0.1, 0.1, 0.1)
  public init() {}

  public static func == (a: GPT2Config, b: GPT2Config) -> Bool {
    a.vocabSize == b.vocabSize && a.nPositions == b.nPositions && a.nEmbd == b.nEmbd && a.nLayer == b.nLayer
      && a.nHead == b.nHead && a.nInner == b.nInner && a.activationFunction == b.activationFunction
      && a.layerNormEpsilon == b.layerNormEpsilon && a.addCrossAttention == b.addCrossAttention
      && a.bosTokenId == b.bosTokenId && a.eosTokenId == b.eosTokenId && a.padTokenId == b.padTokenId
      && a.tieWordEmbeddings == b.tieWordEmbeddings && a.dropouts == b.dropouts
  }

  /// The MLP width.
  public var innerSize: Int { nInner ?? 4 * nEmbd }

  /// Reads the decoder's section `section` of `file` (already parsed). Settings that change what
  /// GPT-2 computes and that ClipTune does not implement are errors, as is a decoder other than GPT-2.
  public init(dictionary d: [String: Any], section: String, file: String) throws {
    let r = JSONFieldReader(file: file) { CaptioningError(file: $0, $1) }
    self.init()
    let type = try r.string(d, "model_type", section, default: "")
    guard type == "gpt2" else {
      throw CaptioningError(file: file, "'\(section).model_type' is '\(type)'; the captioner's decoder must be GPT-2 (model_type \"gpt2\")")
    }
    vocabSize = try r.int(d, "vocab_size", section, default: vocabSize)
    nPositions = try r.int(d, "n_positions", section, default: nPositions)
    nEmbd = try r.int(d, "n_embd", section, default: nEmbd)
    nLayer = try r.int(d, "n_layer", section, default: nLayer)
    nHead = try r.int(d, "n_head", section, default: nHead)
    nInner = try r.optionalInt(d, "n_inner", section)
    activationFunction = try r.string(d, "activation_function", section, default: activationFunction)
    layerNormEpsilon = try r.double(d, "layer_norm_epsilon", section, default: layerNormEpsilon)
    addCrossAttention = try r.bool(d, "add_cross_attention", section, default: addCrossAttention)
    bosTokenId = try r.optionalInt(d, "bos_token_id", section) ?? (d.keys.contains("bos_token_id") ? nil : bosTokenId)
    eosTokenId = try r.optionalInt(d, "eos_token_id", section) ?? (d.keys.contains("eos_token_id") ? nil : eosTokenId)
    padTokenId = try r.optionalInt(d, "pad_token_id", section)
    tieWordEmbeddings = try r.bool(d, "tie_word_embeddings", section, default: tieWordEmbeddings)
    dropouts = (try r.double(d, "resid_pdrop", section, default: dropouts.resid), try r.double(d, "embd_pdrop", section, default: dropouts.embd),
                try r.double(d, "attn_pdrop", section, default: dropouts.attn))
    for (key, p) in [("resid_pdrop", dropouts.resid), ("embd_pdrop", dropouts.embd), ("attn_pdrop", dropouts.attn)]
    where !(p >= 0 && p < 1) {
      throw CaptioningError(file: file, "'\(section).\(key)' must be in [0, 1), got \(p)")
    }
    for (key, supported) in [("scale_attn_weights", true), ("scale_attn_by_inverse_layer_idx", false), ("reorder_and_upcast_attn", false)] {
      let value = try r.bool(d, key, section, default: supported)
      guard value == supported else {
        throw CaptioningError(file: file, "'\(section).\(key)' is \(value); ClipTune's GPT-2 implements only \(supported)")
      }
    }
    if let cross = try r.optionalInt(d, "cross_attention_hidden_size", section), cross != nEmbd {
      throw CaptioningError(file: file, "'\(section).cross_attention_hidden_size' is \(cross); GPT-2's cross-attention reads states of its own width n_embd \(nEmbd)")
    }
    guard tieWordEmbeddings else {
      throw CaptioningError(file: file, "'\(section).tie_word_embeddings' is false; ClipTune's GPT-2 ties the LM head to wte (an untied head is not supported)")
    }
    try validate(file: file, section: section)
  }

  /// Upper bounds far above any released GPT-2 (XL: n_embd 1600, 48 layers, 25 heads).
  public enum Limits {
    public static let width = 16_384
    public static let layers = 1_024
    public static let heads = 1_024
    public static let vocabSize = 1 << 22
    public static let positions = 1 << 16
  }

  /// Checks sizes (positive, within ``Limits``), divisibility, the activation, token ids.
  public func validate(file: String = "", section: String = "decoder") throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw CaptioningError(file: file, message) } }
    func size(_ value: Int, _ key: String, min: Int = 1, max: Int) throws {
      try check(value >= min, "'\(section).\(key)' must be at least \(min), got \(value)")
      try check(value <= max, "'\(section).\(key)' is \(value), above the limit of \(max) (corrupt config?)")
    }
    try size(vocabSize, "vocab_size", max: Limits.vocabSize)
    try size(nPositions, "n_positions", min: 2, max: Limits.positions)
    try size(nEmbd, "n_embd", max: Limits.width)
    try size(nLayer, "n_layer", min: 0, max: Limits.layers)
    try size(nHead, "n_head", max: Limits.heads)
    try size(innerSize, "n_inner", max: 8 * Limits.width)
    try check(nEmbd % nHead == 0, "\(section): n_embd \(nEmbd) is not divisible by n_head \(nHead)")
    try check(Activation(huggingFace: activationFunction) != nil,
              "'\(section).activation_function' is '\(activationFunction)' (supported: gelu_new, gelu, gelu_pytorch_tanh, gelu_fast, quick_gelu)")
    try check(layerNormEpsilon.isFinite && layerNormEpsilon > 0 && layerNormEpsilon < 1,
              "'\(section).layer_norm_epsilon' must be a finite number in (0, 1), got \(layerNormEpsilon)")
    for (key, id) in [("bos_token_id", bosTokenId), ("eos_token_id", eosTokenId), ("pad_token_id", padTokenId)] {
      if let id { try check(id >= 0 && id < vocabSize, "'\(section).\(key)' is \(id), outside the vocabulary (0..<\(vocabSize))") }
    }
  }

  /// The section as transformers writes it (the keys ClipTune reads).
  public var jsonObject: [String: Any] {
    var d: [String: Any] = [
      "model_type": "gpt2", "vocab_size": vocabSize, "n_positions": nPositions, "n_embd": nEmbd, "n_layer": nLayer,
      "n_head": nHead, "n_inner": nInner.map { $0 as Any } ?? NSNull(), "activation_function": activationFunction,
      "layer_norm_epsilon": layerNormEpsilon, "add_cross_attention": addCrossAttention, "is_decoder": true,
      "tie_word_embeddings": tieWordEmbeddings, "scale_attn_weights": true, "n_ctx": nPositions,
      "resid_pdrop": dropouts.resid, "embd_pdrop": dropouts.embd, "attn_pdrop": dropouts.attn,
    ]
    if let bosTokenId { d["bos_token_id"] = bosTokenId }
    if let eosTokenId { d["eos_token_id"] = eosTokenId }
    if let padTokenId { d["pad_token_id"] = padTokenId }
    return d
  }
}
