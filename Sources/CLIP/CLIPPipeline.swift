import Foundation
import Preprocessing
import Tensors

/// A CLIP model with the tokenizer and image preprocessing of its folder: files in, features out.
public final class CLIPPipeline {
  public let model: CLIPModel
  public let preprocessor: ImagePreprocessor
  public let directory: URL?
  private var loadedTokenizer: CLIPTokenizer?

  public init(model: CLIPModel, tokenizer: CLIPTokenizer?, preprocessor: ImagePreprocessor, directory: URL? = nil) {
    self.model = model
    self.loadedTokenizer = tokenizer
    self.preprocessor = preprocessor
    self.directory = directory
  }

  /// Loads a Hugging Face CLIP folder: `config.json`, weights, `preprocessor_config.json` (CLIP's
  /// defaults at the model's image size when absent) and, on first use, `vocab.json` + `merges.txt`.
  /// `allowNonfinite` and `warn` are passed to ``CLIPModel/load(directory:allowNonfinite:warn:)``.
  public static func load(modelDirectory dir: URL, allowNonfinite: Bool = false,
                          warn: (String) -> Void = CLIPModel.warnOnStandardError) throws -> CLIPPipeline {
    let model = try CLIPModel.load(directory: dir, allowNonfinite: allowNonfinite, warn: warn)
    let pre = dir.appendingPathComponent("preprocessor_config.json")
    let s = model.config.vision.imageSize
    let preprocessor = InputFile.kind(pre.path) != nil
      ? try ImagePreprocessor(configFile: pre)
      : ImagePreprocessor(imageSize: s)
    if let out = preprocessor.fixedOutputSize, out.height != s || out.width != s {
      let what = preprocessor.doCenterCrop ? "crop_size" : "size"
      throw CLIPError(file: pre.path, "\(what) \(out.height)×\(out.width) does not match the model's image_size \(s) (config.json)")
    }
    return CLIPPipeline(model: model, tokenizer: nil, preprocessor: preprocessor, directory: dir)
  }

  /// The tokenizer, loaded from the model folder when first needed. Its ids must all be rows of
  /// the model's token embedding.
  public func tokenizer() throws -> CLIPTokenizer {
    if let t = loadedTokenizer { return t }
    guard let dir = directory else { throw CLIPError(file: "", "no tokenizer was given and there is no model folder to load one from") }
    let t = try CLIPTokenizer(modelDirectory: dir)
    let rows = model.config.text.vocabSize
    if t.largestID >= rows {
      throw CLIPError(file: dir.appendingPathComponent("vocab.json").path,
                      "has token id \(t.largestID) but the model's token embedding has \(rows) rows (text_config.vocab_size in config.json)")
    }
    loadedTokenizer = t
    return t
  }

  /// Token ids per text, truncated to the model's context length.
  public func tokenize(_ texts: [String]) throws -> [[Int]] {
    try tokenizer().encode(batch: texts, contextLength: model.config.text.maxPositionEmbeddings)
  }

  /// Decodes and preprocesses images (in parallel) → [B, 3, S, S]. Errors name the file.
  public func pixelValues(_ urls: [URL]) throws -> Tensor {
    try preprocessor.pixelValues(files: urls, modelImageSize: model.config.vision.imageSize) { CLIPError(file: $0, $1) }
  }

  /// Image features (`get_image_features`) for files, `batchSize` at a time. `progress(done)` after each batch.
  public func imageFeatures(_ urls: [URL], batchSize: Int = 32, progress: ((Int) -> Void)? = nil) throws -> Tensor {
    var parts: [Tensor] = []
    var done = 0
    for start in stride(from: 0, to: urls.count, by: max(1, batchSize)) {
      let batch = Array(urls[start..<min(urls.count, start + batchSize)])
      parts.append(try model.imageFeatures(try pixelValues(batch)))
      done += batch.count
      progress?(done)
    }
    return parts.isEmpty ? Tensor(zeros: [0, model.config.projectionDim]) : Tensor.concatenate(parts)
  }

  /// Text features (`get_text_features`) for token sequences, in input order. Sequences are
  /// batched by length so each batch pads little; results do not depend on batching.
  public func textFeatures(ids: [[Int]], batchSize: Int = 64, progress: ((Int) -> Void)? = nil) throws -> Tensor {
    try model.text.validate(ids)
    let d = model.config.projectionDim
    var out = Tensor(zeros: [ids.count, d])
    let order = ids.indices.sorted { ids[$0].count < ids[$1].count }
    var done = 0
    for start in stride(from: 0, to: order.count, by: max(1, batchSize)) {
      let chunk = Array(order[start..<min(order.count, start + batchSize)])
      let features = try model.textFeatures(chunk.map { ids[$0] })  // [b, D]
      for (row, index) in chunk.enumerated() {
        for j in 0..<d { out.data[index * d + j] = features.data[row * d + j] }
      }
      done += chunk.count
      progress?(done)
    }
    return out
  }

  /// Text features for raw strings.
  public func textFeatures(_ texts: [String], batchSize: Int = 64, progress: ((Int) -> Void)? = nil) throws -> Tensor {
    try textFeatures(ids: try tokenize(texts), batchSize: batchSize, progress: progress)
  }
}
