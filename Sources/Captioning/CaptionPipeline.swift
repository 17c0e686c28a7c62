import Foundation
import Preprocessing
import Tensors

/// A captioner with the tokenizer and image preprocessing of its folder: files in, logits or
/// captions out.
public final class CaptionPipeline {
  public let model: CaptionModel
  public let tokenizer: GPT2Tokenizer
  public let preprocessor: ImagePreprocessor
  public let directory: URL

  public init(model: CaptionModel, tokenizer: GPT2Tokenizer, preprocessor: ImagePreprocessor, directory: URL) {
    self.model = model
    self.tokenizer = tokenizer
    self.preprocessor = preprocessor
    self.directory = directory
  }

  /// Loads a Hugging Face VisionEncoderDecoder folder: the model (`CaptionModel.load`), GPT-2's
  /// `vocab.json` + `merges.txt` (every id must be a row of the decoder's embedding), and
  /// `preprocessor_config.json` (ViT's defaults at the encoder's image size when absent; a size
  /// other than the encoder's is an error).
  public static func load(modelDirectory dir: URL, allowNonfinite: Bool = false,
                          warn: (String) -> Void = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) })
    throws -> CaptionPipeline {
    let model = try CaptionModel.load(directory: dir, allowNonfinite: allowNonfinite, warn: warn)
    let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
    for file in [vocab, merges] where InputFile.kind(file.path) == nil {
      throw CaptioningError(file: file.path, "missing: a captioner folder needs GPT-2's vocab.json and merges.txt")
    }
    let tokenizer = try GPT2Tokenizer(vocabJSON: vocab, merges: merges)
    let rows = model.config.decoder.vocabSize
    if tokenizer.largestID >= rows {
      throw CaptioningError(file: vocab.path, "has token id \(tokenizer.largestID) but the decoder's embedding has \(rows) rows (decoder.vocab_size in config.json)")
    }
    let pre = dir.appendingPathComponent("preprocessor_config.json")
    let s = model.config.encoder.imageSize
    let preprocessor = InputFile.kind(pre.path) != nil ? try ImagePreprocessor(configFile: pre) : .vit(imageSize: s)
    if let out = preprocessor.fixedOutputSize, out.height != s || out.width != s {
      throw CaptioningError(file: pre.path, "size \(out.height)×\(out.width) does not match the encoder's image_size \(s) (config.json)")
    }
    return CaptionPipeline(model: model, tokenizer: tokenizer, preprocessor: preprocessor, directory: dir)
  }

  /// Decodes and preprocesses images (in parallel) → [B, 3, S, S]. Errors name the file.
  public func pixelValues(_ urls: [URL]) throws -> Tensor {
    try preprocessor.pixelValues(files: urls, modelImageSize: model.config.encoder.imageSize) { CaptioningError(file: $0, $1) }
  }
}
