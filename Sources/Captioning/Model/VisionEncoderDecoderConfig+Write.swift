import Foundation

extension VisionEncoderDecoderConfig {
  /// `config.json` as transformers writes a VisionEncoderDecoderModel's (the keys ClipTune reads,
  /// which `init(contentsOf:)` reads back to an equal config).
  public var jsonObject: [String: Any] {
    var root: [String: Any] = [
      "model_type": "vision-encoder-decoder", "architectures": ["VisionEncoderDecoderModel"], "is_encoder_decoder": true,
      "tie_word_embeddings": false, "encoder": encoder.jsonObject, "decoder": decoder.jsonObject,
    ]
    if let decoderStartTokenId { root["decoder_start_token_id"] = decoderStartTokenId }
    if let padTokenId { root["pad_token_id"] = padTokenId }
    if let eosTokenId { root["eos_token_id"] = eosTokenId }
    return root
  }

  /// Writes `jsonObject` to `url` atomically (sorted keys, indented).
  public func write(to url: URL) throws {
    do {
      let data = try JSONSerialization.data(withJSONObject: jsonObject, options: [.prettyPrinted, .sortedKeys])
      try data.write(to: url, options: .atomic)
    } catch {
      throw CaptioningError(file: url.path, "cannot write the model config: \(error.localizedDescription)")
    }
  }
}
