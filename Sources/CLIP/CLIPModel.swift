import Foundation
import Layers
import SafeTensors
import Tensors

/// Where named weights come from: a safetensors checkpoint, or anything else keyed by HF names.
public protocol WeightSource {
  func contains(_ name: String) -> Bool
  func tensor(_ name: String) throws -> Tensor
  /// Shown in error messages (a file or folder path).
  var sourceDescription: String { get }
}

extension SafeTensorsCheckpoint: WeightSource {
  public var sourceDescription: String { url.path }
}

/// Hugging Face `CLIPModel`: both towers, their projections and the logit scale.
public final class CLIPModel: ParameterContainer {
  public let config: CLIPConfig
  public let vision: CLIPVisionTower
  public let text: CLIPTextTower
  public var visualProjection: LinearLayer  // vision hidden → projection_dim, no bias
  public var textProjection: LinearLayer    // text hidden → projection_dim, no bias
  public let logitScale: Parameter          // [] (scalar), log of the softmax temperature's inverse

  /// A model with every weight zero (LayerNorm γ = 1) and logit scale `logit_scale_init_value`.
  public init(_ config: CLIPConfig) {
    self.config = config
    vision = CLIPVisionTower(config.vision)
    text = CLIPTextTower(config.text)
    visualProjection = Linear("visual_projection", inFeatures: config.vision.hiddenSize, outFeatures: config.projectionDim, bias: false)
    textProjection = Linear("text_projection", inFeatures: config.text.hiddenSize, outFeatures: config.projectionDim, bias: false)
    logitScale = Parameter("logit_scale", Tensor(shape: [], data: [Float(config.logitScaleInitValue)]))
  }

  public var parameters: [Parameter] {
    vision.parameters + visualProjection.parameters + text.parameters + textProjection.parameters + [logitScale]
  }

  /// Loads `config.json` and `model.safetensors` (or a sharded `model.safetensors.index.json`)
  /// from a Hugging Face model folder. The config is validated, then every weight's shape in the
  /// checkpoint header is compared with what the config implies before any model tensor is
  /// allocated. Weights holding NaN or ±Inf are refused (``NonfiniteWeightsError``) unless
  /// `allowNonfinite`, in which case `warn` is told about them.
  public static func load(directory: URL, allowNonfinite: Bool = false,
                          warn: (String) -> Void = CLIPModel.warnOnStandardError) throws -> CLIPModel {
    let configURL = directory.appendingPathComponent("config.json")
    guard InputFile.kind(configURL.path) != nil else {
      throw CLIPError(file: directory.path, "no config.json in the model folder")
    }
    let config = try CLIPConfig(contentsOf: configURL)
    let checkpoint = try SafeTensorsCheckpoint(directory: directory)
    try checkShapes(of: checkpoint, against: config)
    let model = CLIPModel(config)
    try model.loadWeights(from: checkpoint, allowNonfinite: allowNonfinite, warn: warn)
    return model
  }

  /// Writes `message` and a newline to standard error.
  public static func warnOnStandardError(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
  }

  /// Compares the header shapes of `checkpoint` with the weights `config` implies, without reading
  /// or allocating any tensor: a missing weight or a shape mismatch throws naming the tensor, the
  /// shape found, the shape expected and the file.
  public static func checkShapes(of checkpoint: SafeTensorsCheckpoint, against config: CLIPConfig) throws {
    var missing: [String] = []
    for (name, shape) in config.parameterShapes() {
      guard let info = checkpoint.info(name) else { missing.append(name); continue }
      let found = info.shape
      let matches = found == shape || (name == "logit_scale" && found.reduce(1, *) == 1 && found.count <= 1)
      guard matches else {
        let file = checkpoint.files.first { $0.contains(name) }?.url.path ?? checkpoint.url.path
        throw CLIPError(file: file, "tensor '\(name)' has shape \(found) but config.json implies \(shape)")
      }
    }
    if !missing.isEmpty {
      let shown = missing.prefix(5).joined(separator: ", ")
      throw CLIPError(file: checkpoint.url.path,
                      "missing \(missing.count) weight(s) the config needs: \(shown)\(missing.count > 5 ? ", …" : "")")
    }
  }

  /// Copies every parameter from `source` by its HF name, checking shapes. Extra tensors in the
  /// source (such as the `position_ids` buffers) are ignored; missing ones are an error. Tensors
  /// holding NaN or ±Inf throw ``NonfiniteWeightsError`` (all of them listed) unless
  /// `allowNonfinite`, which hands the same report to `warn` instead.
  public func loadWeights(from source: WeightSource, allowNonfinite: Bool = false,
                          warn: (String) -> Void = CLIPModel.warnOnStandardError) throws {
    var missing: [String] = []
    var nonfinite: [(name: String, count: Int)] = []
    for p in parameters {
      guard source.contains(p.name) else { missing.append(p.name); continue }
      var t = try source.tensor(p.name)
      if p.name == "logit_scale" && t.count == 1 { t = t.reshaped([]) }
      guard t.shape == p.shape else {
        throw CLIPError(file: source.sourceDescription,
                        "tensor '\(p.name)' has shape \(t.shape) but config.json implies \(p.shape)")
      }
      let bad = t.nonfiniteCount
      if bad > 0 { nonfinite.append((p.name, bad)) }
      p.value = t
    }
    if !missing.isEmpty {
      let shown = missing.prefix(5).joined(separator: ", ")
      throw CLIPError(file: source.sourceDescription,
                      "missing \(missing.count) weight(s) the config needs: \(shown)\(missing.count > 5 ? ", …" : "")")
    }
    if !nonfinite.isEmpty {
      let error = NonfiniteWeightsError(file: source.sourceDescription, tensors: nonfinite)
      if allowNonfinite { warn(error.description) } else { throw error }
    }
  }

  /// Projected image features before L2 normalisation (`get_image_features`).
  /// pixels: [B, channels, S, S] → [B, projection_dim]. With `training`, keeps what
  /// `backwardImageFeatures` needs (one training forward per backward).
  public func imageFeatures(_ pixels: Tensor, training: Bool = false) throws -> Tensor {
    let v = config.vision
    guard pixels.rank == 4, pixels.shape[1] == v.numChannels, pixels.shape[2] == v.imageSize, pixels.shape[3] == v.imageSize else {
      throw CLIPError(file: "", "pixel values have shape \(pixels.shape); the model takes [B, \(v.numChannels), \(v.imageSize), \(v.imageSize)]")
    }
    return visualProjection.forward(vision.forward(pixels, training: training), training: training)
  }

  /// grad: [B, projection_dim], d(loss)/d(image features) → gradients in every trainable parameter.
  public func backwardImageFeatures(_ grad: Tensor) {
    if let dPooled = visualProjection.backward(grad, inputGradient: vision.hasTrainableParameters) {
      vision.backward(dPooled)
    }
  }

  /// grad: [B, projection_dim], d(loss)/d(text features) → gradients in every trainable parameter.
  public func backwardTextFeatures(_ grad: Tensor) {
    if let dPooled = textProjection.backward(grad, inputGradient: text.hasTrainableParameters) {
      text.backward(dPooled)
    }
  }

  /// Projected text features before L2 normalisation (`get_text_features`).
  /// ids: B token sequences (with start/end tokens, unpadded) → [B, projection_dim]. With
  /// `training`, keeps what `backwardTextFeatures` needs.
  public func textFeatures(_ ids: [[Int]], training: Bool = false) throws -> Tensor {
    try text.validate(ids)
    return textProjection.forward(text.forward(ids, training: training), training: training)
  }
}
