import Captioning
import Foundation
import PEFT
import Preprocessing

/// The shape of the captioner the caption demo trains from scratch: one width and depth for the
/// ViT encoder and the GPT-2 decoder (so no `enc_to_dec_proj`).
public struct ScratchCaptionerShape: Codable, Sendable, Equatable {
  public var hiddenSize = 128
  public var layers = 2
  public var heads = 4
  public var patchSize = 8
  /// Decoder positions: the longest caption + start token + EOS must fit.
  public var positions = 40
  public init() {}
}

/// A VisionEncoderDecoder folder for training from scratch: `config.json` (ViT + GPT-2 with
/// cross-attention, start = pad = eos = `<|endoftext|>` as GPT-2 captioners have it), weights
/// initialised as transformers does, a GPT-2 byte-level BPE vocabulary learned from the training
/// captions (`vocab.json`, `merges.txt`), `preprocessor_config.json` (ViTImageProcessor at
/// `imageSize`) and `generation_config.json`. Everything in it is what transformers'
/// `VisionEncoderDecoderModel.from_pretrained` and `GPT2Tokenizer.from_pretrained` read.
enum ScratchCaptioner {
  /// Writes the folder; the same arguments give the same files.
  static func write(to directory: URL, shape: ScratchCaptionerShape, imageSize: Int, captions: [String],
                    generation: GenerationDefaults, seed: UInt64) throws {
    let bpe = BPETrainer(maxVocabularySize: 4096, style: .gpt2).train(captions)
    let eos = bpe.tokens.count - 1  // `<|endoftext|>`, the last token
    var encoder = ViTConfig()
    encoder.hiddenSize = shape.hiddenSize
    encoder.intermediateSize = 4 * shape.hiddenSize
    encoder.numHiddenLayers = shape.layers
    encoder.numAttentionHeads = shape.heads
    encoder.imageSize = imageSize
    encoder.patchSize = shape.patchSize
    var decoder = GPT2Config()
    decoder.vocabSize = bpe.tokens.count
    decoder.nPositions = shape.positions
    decoder.nEmbd = shape.hiddenSize
    decoder.nLayer = shape.layers
    decoder.nHead = shape.heads
    decoder.addCrossAttention = true
    decoder.bosTokenId = eos
    decoder.eosTokenId = eos
    let config = VisionEncoderDecoderConfig(encoder: encoder, decoder: decoder, decoderStartTokenId: eos, padTokenId: eos,
                                            eosTokenId: eos)
    let model = CaptionModel.randomlyInitialized(config, seed: seed)
    try MergedCheckpoint.write(model, to: directory)  // creates the folder whole; it must be new or empty
    try bpe.write(to: directory)
    try writeJSON(["image_processor_type": "ViTImageProcessor", "do_resize": true,
                   "size": ["height": imageSize, "width": imageSize], "resample": 2, "do_rescale": true,
                   "rescale_factor": 1.0 / 255, "do_normalize": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]],
                  to: directory.appendingPathComponent("preprocessor_config.json"))
    try writeJSON(["decoder_start_token_id": eos, "bos_token_id": eos, "eos_token_id": eos, "pad_token_id": eos,
                   "max_length": generation.maxLength, "num_beams": generation.numBeams],
                  to: directory.appendingPathComponent("generation_config.json"))
  }

  /// What `generation_config.json` sets for `model.generate()`.
  struct GenerationDefaults {
    var maxLength: Int
    var numBeams: Int
  }

  static func writeJSON(_ object: [String: Any], to url: URL) throws {
    do {
      try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url, options: .atomic)
    } catch {
      throw DemoError(file: url.path, "cannot write: \(error.localizedDescription)")
    }
  }
}
