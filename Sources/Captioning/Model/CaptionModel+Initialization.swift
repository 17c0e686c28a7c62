import Foundation
import Tensors

extension CaptionModel {
  /// A captioner of `config` initialised from scratch as transformers' `_init_weights` does
  /// (initializer_range 0.02), with normal draws from a seeded generator:
  ///
  /// | weight | std |
  /// |---|---|
  /// | every Linear / Conv1D / patch-embedding weight, wte, wpe, cls_token, position_embeddings | 0.02 |
  /// | GPT-2's `c_proj` weights (attention, cross-attention and MLP) | 0.02 / √(2 · n_layer) |
  ///
  /// (ViT's truncated normal cuts at ±2 in absolute value, 100 std away, so it is a plain normal
  /// here.) Biases are zero and LayerNorms γ = 1, β = 0. The same seed gives the same weights.
  public static func randomlyInitialized(_ config: VisionEncoderDecoderConfig, seed: UInt64) -> CaptionModel {
    let model = CaptionModel(config)
    var rng = SeededRNG(seed: seed)
    let residual = Float(0.02 / (2 * Double(max(config.decoder.nLayer, 1))).squareRoot())
    for p in model.parameters {
      let name = p.name
      if name.hasSuffix(".bias") || name.contains("layernorm") || name.contains(".ln_") { continue }
      let std: Float = name.hasPrefix("decoder.") && name.hasSuffix("c_proj.weight") ? residual : 0.02
      p.value = Tensor.randomNormal(p.shape, std: std, rng: &rng)
    }
    return model
  }
}
