import CLIP
import Foundation
import PEFT
import Preprocessing

/// A CLIP checkpoint folder for training from scratch: `config.json` of the given shape, weights
/// initialised as transformers does, a CLIP BPE vocabulary learned from the training captions
/// (`vocab.json`, `merges.txt`) and a `preprocessor_config.json` for `imageSize`-pixel images.
/// Everything in it is what `CLIPModel.from_pretrained` and `CLIPTokenizer.from_pretrained` read.
enum ScratchModel {
  /// Writes the folder; the same arguments give the same files.
  static func write(to directory: URL, shape: ScratchModelShape, imageSize: Int, captions: [String], seed: UInt64) throws {
    let bpe = BPETrainer().train(captions)
    let config = config(shape, imageSize: imageSize, vocabularySize: bpe.tokens.count)
    let model = CLIPModel.randomlyInitialized(config, seed: seed)
    try MergedCheckpoint.write(model, to: directory)   // creates the folder whole; it must be new or empty
    try bpe.write(to: directory)
    try writePreprocessorConfig(imageSize: imageSize, to: directory.appendingPathComponent("preprocessor_config.json"))
  }

  /// Both towers `shape`; start and end tokens are the vocabulary's last two ids, as in OpenAI's.
  static func config(_ shape: ScratchModelShape, imageSize: Int, vocabularySize: Int) -> CLIPConfig {
    var c = CLIPConfig()
    c.projectionDim = shape.hiddenSize
    c.text.vocabSize = vocabularySize
    c.text.hiddenSize = shape.hiddenSize
    c.text.intermediateSize = 4 * shape.hiddenSize
    c.text.numHiddenLayers = shape.layers
    c.text.numAttentionHeads = shape.heads
    c.text.maxPositionEmbeddings = shape.contextLength
    c.text.bosTokenId = vocabularySize - 2
    c.text.eosTokenId = vocabularySize - 1
    c.text.padTokenId = vocabularySize - 1
    c.vision.hiddenSize = shape.hiddenSize
    c.vision.intermediateSize = 4 * shape.hiddenSize
    c.vision.numHiddenLayers = shape.layers
    c.vision.numAttentionHeads = shape.heads
    c.vision.imageSize = imageSize
    c.vision.patchSize = shape.patchSize
    return c
  }

  /// CLIP's preprocessing (bicubic resize of the short side, centre crop, OpenAI mean/std) at `imageSize`.
  static func writePreprocessorConfig(imageSize: Int, to url: URL) throws {
    let dict: [String: Any] = [
      "image_processor_type": "CLIPImageProcessor",
      "do_resize": true, "size": ["shortest_edge": imageSize], "resample": 3,
      "do_center_crop": true, "crop_size": ["height": imageSize, "width": imageSize],
      "do_rescale": true, "rescale_factor": 1.0 / 255, "do_normalize": true, "do_convert_rgb": true,
      "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
    ]
    do {
      try JSONSerialization.data(withJSONObject: dict, options: [.prettyPrinted, .sortedKeys]).write(to: url, options: .atomic)
    } catch {
      throw DemoError(file: url.path, "cannot write: \(error.localizedDescription)")
    }
  }
}
