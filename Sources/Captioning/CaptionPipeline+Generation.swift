import Foundation
import Tensors

/// One generated caption: the ids `generate` returned for the image (start token first, EOS last
/// when one was produced; the padding a batch adds after EOS removed) and their text.
public struct GeneratedCaption: Sendable, Equatable {
  public var tokenIDs: [Int]
  public var text: String
}

extension CaptionPipeline {
  /// The model folder's generation settings (`generation_config.json`, else `config.json`).
  public func generationConfig() throws -> GenerationConfig { try GenerationConfig.load(directory: directory) }

  /// Captions of image files, `batchSize` images at a time (inference mode), token for token what
  /// `model.generate(pixel_values, …)` gives with `config`. The text is
  /// `tokenizer.decode(ids, skip_special_tokens=True).strip()`, as captioning notebooks print it.
  /// `progress(done)` after each batch.
  public func caption(_ urls: [URL], config: GenerationConfig, batchSize: Int = 16,
                      progress: ((Int) -> Void)? = nil) throws -> [GeneratedCaption] {
    var out: [GeneratedCaption] = []
    out.reserveCapacity(urls.count)
    for start in stride(from: 0, to: urls.count, by: max(1, batchSize)) {
      let batch = Array(urls[start..<min(urls.count, start + batchSize)])
      out += try caption(pixels: try pixelValues(batch), config: config)
      progress?(out.count)
    }
    return out
  }

  /// Captions of preprocessed images [B, 3, S, S].
  public func caption(pixels: Tensor, config: GenerationConfig) throws -> [GeneratedCaption] {
    let states = try model.encode(pixels)
    return try generate(decoder: model.decoder, encoderStates: states, config: config).map { sequence in
      let body = captionTokens(sequence, config: config)
      let ended = sequence.count > body.count + 1 && config.eosTokenIDs.contains(sequence[body.count + 1])
      let ids = Array(sequence.prefix(body.count + 1 + (ended ? 1 : 0)))
      let text = tokenizer.decode(body, skipSpecialTokens: true).trimmingCharacters(in: .whitespacesAndNewlines)
      return GeneratedCaption(tokenIDs: ids, text: text)
    }
  }
}
