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
  /// Modules applied to the projected image features, in order ([B, D] → [B, D]), such as
  /// CLIP-Adapter's residual adapter. Empty for a plain CLIP.
  public var imageFeatureModules: [SequenceModule] = []
  /// Modules applied to the projected text features, in order.
  public var textFeatureModules: [SequenceModule] = []

  /// A model with every weight zero (LayerNorm γ = 1) and logit scale `logit_scale_init_value`.
  public init(_ config: CLIPConfig) {
    self.config = config
    vision = CLIPVisionTower(config.vision)
    text = CLIPTextTower(config.text)
    visualProjection = Linear("visual_projection", inFeatures: config.vision.hiddenSize, outFeatures: config.projectionDim, bias: false)
    textProjection = Linear("text_projection", inFeatures: config.text.hiddenSize, outFeatures: config.projectionDim, bias: false)
    logitScale = Parameter("logit_scale", Tensor(shape: [], data: [Float(config.logitScaleInitValue)]))
  }

  /// The model's own parameters (HF names; any inserted into the towers last in each), then
  /// those of the feature modules.
  public var parameters: [Parameter] {
    vision.parameters + visualProjection.parameters + text.parameters + textProjection.parameters + [logitScale]
      + imageFeatureModules.flatMap(\.parameters) + textFeatureModules.flatMap(\.parameters)
  }

  /// The parameters `load` reads and `MergedCheckpoint` writes: the HF checkpoint's own, without
  /// those of inserted or feature modules (which methods save themselves).
  public var checkpointParameters: [Parameter] {
    let added = Set((vision.insertions.values.flatMap(\.parameters) + imageFeatureModules.flatMap(\.parameters)
                       + textFeatureModules.flatMap(\.parameters)).map(ObjectIdentifier.init))
    return parameters.filter { !added.contains(ObjectIdentifier($0)) }
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
    for p in checkpointParameters {
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

  /// Projected image features before L2 normalisation (`get_image_features`), then the image
  /// feature modules. pixels: [B, channels, S, S] → [B, projection_dim]. With `training`, keeps
  /// what `backwardImageFeatures` needs (one training forward per backward).
  public func imageFeatures(_ pixels: Tensor, training: Bool = false) throws -> Tensor {
    let v = config.vision
    guard pixels.rank == 4, pixels.shape[1] == v.numChannels, pixels.shape[2] == v.imageSize, pixels.shape[3] == v.imageSize else {
      throw CLIPError(file: "", "pixel values have shape \(pixels.shape); the model takes [B, \(v.numChannels), \(v.imageSize), \(v.imageSize)]")
    }
    let projected = visualProjection.forward(vision.forward(pixels, training: training), training: training)
    return Self.apply(imageFeatureModules, to: projected, training: training)
  }

  /// grad: [B, projection_dim], d(loss)/d(image features) → gradients in every trainable parameter.
  public func backwardImageFeatures(_ grad: Tensor) {
    let towerTrains = vision.hasTrainableParameters
    guard let dProjected = Self.backward(imageFeatureModules, grad, below: towerTrains || visualProjection.hasTrainableParameters),
          let dPooled = visualProjection.backward(dProjected, inputGradient: towerTrains) else { return }
    vision.backward(dPooled)
  }

  /// grad: [B, projection_dim], d(loss)/d(text features) → gradients in every trainable parameter;
  /// returns d(loss)/d(token embeddings) when the forward was `textFeatures(tokenEmbeddings:…,
  /// inputGradient: true)`, else nil.
  @discardableResult
  public func backwardTextFeatures(_ grad: Tensor) -> Tensor? {
    let towerTrains = text.hasTrainableParameters || textInputGradient
    guard let dProjected = Self.backward(textFeatureModules, grad, below: towerTrains || textProjection.hasTrainableParameters),
          let dPooled = textProjection.backward(dProjected, inputGradient: towerTrains) else { return nil }
    return text.backward(dPooled)
  }

  /// Projected text features before L2 normalisation (`get_text_features`), then the text
  /// feature modules. ids: B token sequences (with start/end tokens, unpadded) → [B, projection_dim].
  /// With `training`, keeps what `backwardTextFeatures` needs.
  public func textFeatures(_ ids: [[Int]], training: Bool = false) throws -> Tensor {
    try text.validate(ids)
    textInputGradient = false
    let projected = textProjection.forward(text.forward(ids, training: training), training: training)
    return Self.apply(textFeatureModules, to: projected, training: training)
  }

  /// Text features from token embeddings instead of ids (see `CLIPTextTower.forward(tokenEmbeddings:…)`):
  /// tokenEmbeds [B, T, C_text], pooledAt [B] → [B, projection_dim]. With `training` and
  /// `inputGradient`, `backwardTextFeatures` returns d(loss)/d(tokenEmbeds).
  public func textFeatures(tokenEmbeddings tokenEmbeds: Tensor, pooledAt: [Int], training: Bool = false,
                           inputGradient: Bool = false) throws -> Tensor {
    textInputGradient = training && inputGradient
    let pooled = try text.forward(tokenEmbeddings: tokenEmbeds, pooledAt: pooledAt, training: training,
                                  inputGradient: inputGradient)
    return Self.apply(textFeatureModules, to: textProjection.forward(pooled, training: training), training: training)
  }

  /// The image feature modules alone, on projected features computed earlier by the frozen model
  /// (a feature cache): [B, projection_dim] → [B, projection_dim]. `backwardImageFeatures` then
  /// stops below the modules (the tower must be frozen; it has no forward to go back through).
  public func imageFeatures(projected: Tensor, training: Bool = false) -> Tensor {
    Self.apply(imageFeatureModules, to: projected, training: training)
  }

  /// The text feature modules alone, on projected text features computed earlier (see
  /// `imageFeatures(projected:training:)`).
  public func textFeatures(projected: Tensor, training: Bool = false) -> Tensor {
    textInputGradient = false
    return Self.apply(textFeatureModules, to: projected, training: training)
  }

  /// True when anything from the vision tower to the last image feature module trains.
  public var imageSideTrains: Bool {
    vision.hasTrainableParameters || visualProjection.hasTrainableParameters
      || imageFeatureModules.contains { $0.hasTrainableParameters }
  }

  /// True when anything from the text tower to the last text feature module trains.
  public var textSideTrains: Bool {
    text.hasTrainableParameters || textProjection.hasTrainableParameters
      || textFeatureModules.contains { $0.hasTrainableParameters }
  }

  /// Whether the latest text training forward asked for the gradient of its token embeddings.
  private var textInputGradient = false

  private static func apply(_ modules: [SequenceModule], to x: Tensor, training: Bool) -> Tensor {
    modules.reduce(x) { $1.forward($0, training: training) }
  }

  /// Backward through `modules` (last first); the gradient below the first is asked for only
  /// when `below` trains. nil when nothing below needs a gradient.
  private static func backward(_ modules: [SequenceModule], _ grad: Tensor, below: Bool) -> Tensor? {
    var dy = grad
    for i in stride(from: modules.count - 1, through: 0, by: -1) {
      let needed = below || modules[..<i].contains { $0.hasTrainableParameters }
      guard let dx = modules[i].backward(dy, inputGradient: needed) else { return nil }
      dy = dx
    }
    return dy
  }
}
