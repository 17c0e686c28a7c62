import Foundation
import Tensors

extension CLIPModel {
  /// A model of `config` initialised from scratch as transformers' `CLIPPreTrainedModel._init_weights`
  /// does (initializer_factor 1, initializer_range 0.02), with normal draws from a seeded generator:
  ///
  /// | weight | std |
  /// |---|---|
  /// | token and position embeddings (text) | 0.02 |
  /// | patch and position embeddings (vision) | 0.02 |
  /// | class embedding | d^-½ |
  /// | q/k/v_proj, fc2 | d^-½ · (2L)^-½ |
  /// | out_proj | d^-½ |
  /// | fc1 | (2d)^-½ |
  /// | visual/text projection | d^-½ of the tower |
  ///
  /// where d is the tower's hidden size and L its layer count. Linear biases are zero, LayerNorms
  /// γ = 1 and β = 0, and the logit scale is `logit_scale_init_value`. The same seed gives the same
  /// weights.
  public static func randomlyInitialized(_ config: CLIPConfig, seed: UInt64) -> CLIPModel {
    let model = CLIPModel(config)
    var rng = SeededRNG(seed: seed)
    for p in model.parameters {
      guard let std = initialStd(of: p.name, config: config) else { continue }
      p.value = Tensor.randomNormal(p.shape, std: std, rng: &rng)
    }
    return model
  }

  /// The normal init std of the weight named `name`, or nil for weights whose init is a constant
  /// (biases, LayerNorms, the logit scale), which `CLIPModel.init` already sets.
  static func initialStd(of name: String, config: CLIPConfig) -> Float? {
    let range = 0.02
    let isVision = name.hasPrefix("vision_model.") || name.hasPrefix("visual_projection.")
    let d = Double(isVision ? config.vision.hiddenSize : config.text.hiddenSize)
    let layers = Double(isVision ? config.vision.numHiddenLayers : config.text.numHiddenLayers)
    let inProjection = pow(d, -0.5) * pow(2 * max(layers, 1), -0.5)
    let std: Double
    switch true {
    case name.hasSuffix(".bias"), name.contains("layer_norm"), name.contains("layernorm"), name.contains("layrnorm"),
         name == "logit_scale":
      return nil
    case name.hasSuffix("embeddings.class_embedding"): std = pow(d, -0.5)
    case name.hasSuffix("embedding.weight"): std = range
    case name.hasSuffix("q_proj.weight"), name.hasSuffix("k_proj.weight"), name.hasSuffix("v_proj.weight"),
         name.hasSuffix("fc2.weight"):
      std = inProjection
    case name.hasSuffix("out_proj.weight"): std = pow(d, -0.5)
    case name.hasSuffix("fc1.weight"): std = pow(2 * d, -0.5)
    case name == "visual_projection.weight", name == "text_projection.weight": std = pow(d, -0.5)
    default: preconditionFailure("no init rule for '\(name)'")
    }
    return Float(std)
  }
}
