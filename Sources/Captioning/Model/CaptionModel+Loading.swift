import Foundation
import Layers
import SafeTensors
import Tensors

extension CaptionModel {
  /// The LM head's checkpoint name: tied to wte, so `model.safetensors` may hold either or both.
  public static let lmHeadName = "decoder.lm_head.weight"

  /// Loads a Hugging Face VisionEncoderDecoder folder: `config.json` (validated), then
  /// `model.safetensors` or a sharded `model.safetensors.index.json`. Before any model tensor is
  /// allocated the checkpoint must hold at least as many values as the config implies (a corrupt
  /// config cannot ask for more memory than the files on disk), then every weight's header shape
  /// is compared with the model's. Missing weights (cross-attention ones in a plain GPT-2
  /// checkpoint, say) are an error listing them; extra tensors (the old `attn.bias` mask
  /// buffers) are ignored; `decoder.lm_head.weight` stands in for a missing `wte` (they are tied).
  /// NaN or ±Inf weights throw ``NonfiniteWeightsError`` unless `allowNonfinite` (then `warn`).
  public static func load(directory: URL, allowNonfinite: Bool = false,
                          warn: (String) -> Void = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) })
    throws -> CaptionModel {
    guard InputFile.kind(directory.path) == .directory else {
      throw CaptioningError(file: directory.path, "no such model folder")
    }
    let configURL = directory.appendingPathComponent("config.json")
    guard InputFile.kind(configURL.path) != nil else {
      throw CaptioningError(file: directory.path, "no config.json in the model folder")
    }
    let config = try VisionEncoderDecoderConfig(contentsOf: configURL)
    let checkpoint: SafeTensorsCheckpoint
    do { checkpoint = try SafeTensorsCheckpoint(directory: directory) } catch let e as SafeTensorsError {
      throw CaptioningError(file: e.file, e.message)
    }
    // Names first, from a model of the same layers but unit widths (nothing large is allocated),
    // so a checkpoint lacking weights says which; then the size check, then the real model.
    try Self.checkNames(in: checkpoint, expected: CaptionModel(config.skeleton).parameters.map(\.name))
    let held = checkpoint.names.reduce(0) { $0 + (checkpoint.info($1).map { $0.shape.reduce(1, *) } ?? 0) }
    let needed = config.parameterCount
    guard needed <= held else {
      throw CaptioningError(file: checkpoint.url.path, "holds \(held) values but config.json implies \(needed) weights; the config does not describe this checkpoint")
    }
    let model = CaptionModel(config)
    try model.loadWeights(from: checkpoint, allowNonfinite: allowNonfinite, warn: warn)
    return model
  }

  /// Throws naming the weights of `expected` that `checkpoint` lacks (`wte` may come as the LM head).
  static func checkNames(in checkpoint: SafeTensorsCheckpoint, expected: [String]) throws {
    let missing = expected.filter { name in
      !checkpoint.contains(name) && !(name == "decoder.transformer.wte.weight" && checkpoint.contains(lmHeadName))
    }
    guard !missing.isEmpty else { return }
    let cross = missing.contains { $0.contains("crossattention") || $0.contains("ln_cross_attn") }
    let shown = missing.prefix(5).joined(separator: ", ")
    throw CaptioningError(file: checkpoint.url.path,
                          "missing \(missing.count) weight(s) the config needs: \(shown)\(missing.count > 5 ? ", …" : "")"
                            + (cross ? " (a GPT-2 checkpoint without cross-attention weights is not a captioner)" : ""))
  }

  /// Copies every parameter from `checkpoint` by its HF name after checking all header shapes
  /// (nothing is read before every shape fits).
  public func loadWeights(from checkpoint: SafeTensorsCheckpoint, allowNonfinite: Bool = false,
                          warn: (String) -> Void) throws {
    func source(_ p: Parameter) -> String? {
      if checkpoint.contains(p.name) { return p.name }
      if p === decoder.tokenEmbedding.weight, checkpoint.contains(Self.lmHeadName) { return Self.lmHeadName }
      return nil
    }
    try Self.checkNames(in: checkpoint, expected: parameters.map(\.name))
    for p in parameters {
      let name = source(p)!
      let found = checkpoint.info(name)?.shape ?? []
      guard found == p.shape else {
        let file = checkpoint.files.first { $0.contains(name) }?.url.path ?? checkpoint.url.path
        throw CaptioningError(file: file, "tensor '\(name)' has shape \(found) but config.json implies \(p.shape)")
      }
    }
    var nonfinite: [(name: String, count: Int)] = []
    for p in parameters {
      let name = source(p)!
      let t: Tensor
      do { t = try checkpoint.tensor(name) } catch let e as SafeTensorsError { throw CaptioningError(file: e.file, e.message) }
      let bad = t.nonfiniteCount
      if bad > 0 { nonfinite.append((name, bad)) }
      p.value = t.reshaped(p.shape)
    }
    if !nonfinite.isEmpty {
      let error = NonfiniteWeightsError(file: checkpoint.url.path, tensors: nonfinite)
      if allowNonfinite { warn(error.description) } else { throw error }
    }
  }
}

extension VisionEncoderDecoderConfig {
  /// Elements of every weight the model has (the tied LM head once; the ViT pooler included, as
  /// transformers builds it).
  public var parameterCount: Int {
    let e = encoder, c = e.hiddenSize, i = e.intermediateSize, g = e.imageSize / e.patchSize
    let patch = c * e.numChannels * e.patchSize * e.patchSize + c
    let vitLayer = 4 * (c * c + c) + 2 * c * i + i + c + 4 * c
    let vit = patch + c + (g * g + 1) * c + e.numHiddenLayers * vitLayer + 2 * c + (e.poolerWidth * c + e.poolerWidth)
    let d = decoder, n = d.nEmbd, h = d.innerSize
    let gptLayer = 2 * n + (3 * n * n + 3 * n) + (n * n + n) + 2 * n + (n * h + h) + (h * n + n)
      + (2 * n * n + 2 * n) + 2 * (n * n + n) + 2 * n
    let gpt = d.vocabSize * n + d.nPositions * n + d.nLayer * gptLayer + 2 * n
    return vit + gpt + (hasEncoderProjection ? c * n + n : 0)
  }
}

extension VisionEncoderDecoderConfig {
  /// The same layers at unit widths: its parameters have the real model's names (and whether
  /// `enc_to_dec_proj` exists), at almost no memory.
  var skeleton: VisionEncoderDecoderConfig {
    var c = self
    let poolerSkeleton: Int? = encoder.poolerOutputSize == nil ? nil : 1
    c.encoder.hiddenSize = hasEncoderProjection ? 2 : 1
    c.encoder.numAttentionHeads = 1
    c.encoder.intermediateSize = 1
    c.encoder.imageSize = 1
    c.encoder.patchSize = 1
    c.encoder.poolerOutputSize = poolerSkeleton
    c.decoder.nEmbd = 1
    c.decoder.nHead = 1
    c.decoder.nInner = 1
    c.decoder.vocabSize = 1
    c.decoder.nPositions = 2
    return c
  }
}
