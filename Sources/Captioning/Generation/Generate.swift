import Foundation
import Tensors

/// Captions for encoder states e [B, S, C] (the encoder's last_hidden_state, after enc_to_dec_proj
/// when the model has one): what transformers 5's `VisionEncoderDecoderModel.generate(pixel_values, …)`
/// returns, token for token — greedy search when `config.numBeams` is 1, beam search otherwise.
///
/// One id list per image, the decoder start token first, all of one length (shorter ones padded
/// like generate pads them); `captionTokens` turns one into the ids to decode. Throws when the
/// config does not fit the decoder (an id outside the vocabulary, max_length beyond its positions).
public func generate(decoder: GPT2Decoder, encoderStates: Tensor, config: GenerationConfig) throws -> [[Int]] {
  try config.validate(vocabulary: decoder.vocabulary, positions: decoder.positionEmbedding.count)
  guard encoderStates.rank == 3, encoderStates.shape[2] == decoder.dim, encoderStates.shape[1] >= 1 else {
    throw CaptioningError("encoder states must be [B, S, \(decoder.dim)] with S ≥ 1, got \(encoderStates.shape)")
  }
  if encoderStates.shape[0] == 0 { return [] }
  return config.numBeams == 1
    ? GreedySearch.run(decoder: decoder, encoderStates: encoderStates, config: config)
    : BeamSearch.run(decoder: decoder, encoderStates: encoderStates, config: config)
}

/// The caption's ids in a sequence `generate` returned: without the start token, and cut before the
/// first EOS id (which drops the padding after it too).
public func captionTokens(_ sequence: [Int], config: GenerationConfig) -> [Int] {
  let body = sequence.dropFirst()
  let end = body.firstIndex { config.eosTokenIDs.contains($0) } ?? body.endIndex
  return Array(body[..<end])
}

/// transformers' greedy decoding (`_sample` with do_sample false): at each step the arg-max of the
/// processed logits (the first on ties); a sequence that produced an EOS id is finished and gets the
/// pad id from then on; generation stops when every sequence is finished or at max_length.
/// Finished sequences leave the cache (their rows are not computed any more).
enum GreedySearch {
  static func run(decoder: GPT2Decoder, encoderStates: Tensor, config: GenerationConfig) -> [[Int]] {
    let b = encoderStates.shape[0], v = decoder.vocabulary, maxLength = config.totalMaxLength
    let eos = config.eosTokenIDs, pad = config.effectivePadTokenID ?? 0
    var sequences = [[Int]](repeating: [config.startTokenID!], count: b)
    var active = Array(0..<b)  // the image of each cache row
    var cache = decoder.makeCache(encoderStates: encoderStates, capacity: maxLength)
    var length = 1
    while length < maxLength && !active.isEmpty {
      var logits = decoder.step(active.map { sequences[$0].last! }, cache: &cache)
      var next = [Int](repeating: 0, count: active.count)
      logits.data.withUnsafeMutableBufferPointer { lp in
        for (row, image) in active.enumerated() {
          let scores = lp.baseAddress! + row * v
          LogitsProcessing.apply(scores, vocabulary: v, tokens: sequences[image], config: config)
          var best = 0
          for t in 1..<v where scores[t] > scores[best] { best = t }
          next[row] = best
        }
      }
      var finishedRows = Set<Int>()
      for (row, image) in active.enumerated() {
        sequences[image].append(next[row])
        if eos.contains(next[row]) { finishedRows.insert(row) }
      }
      for image in 0..<b where sequences[image].count == length { sequences[image].append(pad) }
      length += 1
      if !finishedRows.isEmpty {
        let keep = active.indices.filter { !finishedRows.contains($0) }
        active = keep.map { active[$0] }
        if length < maxLength && !keep.isEmpty { cache.reorder(rows: keep) }
      }
    }
    return sequences
  }
}
