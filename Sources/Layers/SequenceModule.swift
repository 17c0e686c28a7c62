import Tensors

/// A differentiable map on activations, with the layer-held training cache every layer here uses:
/// `forward(x, training: true)` keeps what `backward` needs (replacing any earlier cache);
/// `backward(dy, inputGradient:)` consumes it, adds into the `grad` of trainable parameters and
/// returns dx only when asked. Inference (`training: false`) caches nothing.
///
/// Models hold these in slots (`CLIPVisionTower.insertions`, `CLIPModel.imageFeatureModules`, …)
/// so a method can add tokens between blocks or modules after a projection without the model
/// knowing which method is active. Shapes are the module's own: a token module maps
/// [B, T, C] → [B, T′, C], a feature module [B, D] → [B, D′].
public protocol SequenceModule: ParameterContainer {
  func forward(_ x: Tensor, training: Bool) -> Tensor
  /// dy: the gradient of the output → dx, or nil when `inputGradient` is false.
  func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor?
}

extension TransformerBlock: SequenceModule {}
extension LayerNorm: SequenceModule {}
extension MLP: SequenceModule {}
