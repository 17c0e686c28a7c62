import Foundation
import Tensors

/// A Hugging Face `VisionEncoderDecoderModel` configuration (`config.json` with `model_type`
/// "vision-encoder-decoder"): a ViT encoder, a GPT-2 decoder with cross-attention, and the token ids
/// teacher forcing needs (`decoder_start_token_id`, `pad_token_id`, `eos_token_id` at the top level).
public struct VisionEncoderDecoderConfig: Sendable, Equatable {
  public var encoder: ViTConfig
  public var decoder: GPT2Config
  /// The first decoder input (GPT-2 captioners use `<|endoftext|>`, 50256).
  public var decoderStartTokenId: Int?
  /// What `shift_tokens_right` writes where a label is -100.
  public var padTokenId: Int?
  /// Appended to every training caption so the model learns to stop.
  public var eosTokenId: Int?

  public init(encoder: ViTConfig, decoder: GPT2Config, decoderStartTokenId: Int?, padTokenId: Int?, eosTokenId: Int?) {
    self.encoder = encoder
    self.decoder = decoder
    self.decoderStartTokenId = decoderStartTokenId
    self.padTokenId = padTokenId
    self.eosTokenId = eosTokenId
  }

  /// Whether the encoder's states pass through `enc_to_dec_proj` (a Linear encoder width → n_embd)
  /// before cross-attention: when the widths differ (transformers' rule, GPT-2 having no
  /// `cross_attention_hidden_size` of its own).
  public var hasEncoderProjection: Bool { encoder.hiddenSize != decoder.nEmbd }

  /// `config.json` files above this size are refused unread.
  public static let maxConfigBytes = 16 << 20

  /// Reads `config.json`. Errors name the file and key: a config that is not an encoder-decoder
  /// (a CLIP folder, a plain GPT-2), an encoder other than ViT, a decoder other than GPT-2 or one
  /// without `add_cross_attention`, token ids outside the vocabulary.
  public init(contentsOf url: URL) throws {
    let file = url.path
    let data: Data
    do { data = try InputFile.read(file, what: "config file", limit: Self.maxConfigBytes) } catch let e as InputFileError {
      throw CaptioningError(file: file, e.message)
    }
    guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw CaptioningError(file: file, "not a JSON object")
    }
    try self.init(dictionary: root, file: file)
  }

  /// Reads an already parsed `config.json` (see `init(contentsOf:)`).
  public init(dictionary root: [String: Any], file: String) throws {
    let r = JSONFieldReader(file: file) { CaptioningError(file: $0, $1) }
    let type = try r.string(root, "model_type", "", default: "")
    guard type == "vision-encoder-decoder" else {
      let found = type.isEmpty ? "no model_type" : "model_type '\(type)'"
      throw CaptioningError(file: file, "has \(found); a captioner needs a VisionEncoderDecoderModel config (model_type \"vision-encoder-decoder\", with 'encoder' and 'decoder' sections)")
    }
    guard let e = try r.object(root, "encoder", "") else { throw CaptioningError(file: file, "missing the 'encoder' section") }
    guard let d = try r.object(root, "decoder", "") else { throw CaptioningError(file: file, "missing the 'decoder' section") }
    let encoderType = try r.string(e, "model_type", "encoder", default: "")
    guard encoderType == "vit" else {
      throw CaptioningError(file: file, "'encoder.model_type' is '\(encoderType)'; the captioner's encoder must be ViT (model_type \"vit\")")
    }
    encoder = try ViTConfig(dictionary: e, section: "encoder", file: file)
    decoder = try GPT2Config(dictionary: d, section: "decoder", file: file)
    guard decoder.addCrossAttention else {
      throw CaptioningError(file: file, "'decoder.add_cross_attention' is not true: the GPT-2 decoder has no cross-attention, so it cannot read the image")
    }
    decoderStartTokenId = try r.optionalInt(root, "decoder_start_token_id", "")
    padTokenId = try r.optionalInt(root, "pad_token_id", "")
    eosTokenId = try r.optionalInt(root, "eos_token_id", "") ?? decoder.eosTokenId
    for (key, id) in [("decoder_start_token_id", decoderStartTokenId), ("pad_token_id", padTokenId), ("eos_token_id", eosTokenId)] {
      if let id, !(0..<decoder.vocabSize).contains(id) {
        throw CaptioningError(file: file, "'\(key)' is \(id), outside the decoder's vocabulary (0..<\(decoder.vocabSize))")
      }
    }
  }

  /// The ids teacher forcing needs, or an error naming what is missing (`file` for messages).
  public func teacherForcingIds(file: String) throws -> (start: Int, pad: Int, eos: Int) {
    guard let start = decoderStartTokenId else {
      throw CaptioningError(file: file, "has no 'decoder_start_token_id'; set it (GPT-2 captioners use the <|endoftext|> id, 50256)")
    }
    guard let pad = padTokenId else {
      throw CaptioningError(file: file, "has no 'pad_token_id'; set it (GPT-2 captioners use the <|endoftext|> id, 50256)")
    }
    guard let eos = eosTokenId else { throw CaptioningError(file: file, "has no 'eos_token_id' (top level or decoder)") }
    return (start, pad, eos)
  }
}

extension VisionEncoderDecoderConfig {
  /// Whether the model folder `directory` holds a VisionEncoderDecoder config (its `config.json`
  /// parses and says `model_type` "vision-encoder-decoder"); false for anything else, unreadable
  /// files included (the loader then reports them).
  public static func describes(_ directory: URL) -> Bool {
    let url = directory.appendingPathComponent("config.json")
    guard let data = try? InputFile.read(url.path, what: "config file", limit: maxConfigBytes),
          let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return false }
    return root["model_type"] as? String == "vision-encoder-decoder"
  }
}
