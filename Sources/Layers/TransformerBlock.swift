import Tensors

/// Pre-LayerNorm residual block as in `CLIPEncoderLayer`:
/// x = x + attn(ln1(x)); x = x + mlp(ln2(x)).   x: [B, T, C] → [B, T, C]
public final class TransformerBlock: ParameterContainer {
  public let layerNorm1: LayerNorm
  public let attention: MultiHeadAttention
  public let layerNorm2: LayerNorm
  public let mlp: MLP

  /// `prefix` is the layer's HF name, e.g. `vision_model.encoder.layers.0`.
  public init(_ prefix: String, dim: Int, heads: Int, hidden: Int, activation: Activation, eps: Float, causal: Bool) {
    layerNorm1 = LayerNorm("\(prefix).layer_norm1", dim: dim, eps: eps)
    attention = MultiHeadAttention("\(prefix).self_attn", dim: dim, heads: heads, causal: causal)
    layerNorm2 = LayerNorm("\(prefix).layer_norm2", dim: dim, eps: eps)
    mlp = MLP("\(prefix).mlp", dim: dim, hidden: hidden, activation: activation)
  }

  /// A block of the given modules (their own HF names, e.g. ViT's `layernorm_before`,
  /// `attention`, `layernorm_after`, `intermediate`/`output`); same computation as above.
  public init(layerNorm1: LayerNorm, attention: MultiHeadAttention, layerNorm2: LayerNorm, mlp: MLP) {
    precondition(layerNorm1.dim == attention.dim && layerNorm2.dim == attention.dim,
                 "transformer block: layer norms of \(layerNorm1.dim) and \(layerNorm2.dim) around attention of \(attention.dim)")
    self.layerNorm1 = layerNorm1
    self.attention = attention
    self.layerNorm2 = layerNorm2
    self.mlp = mlp
  }

  public var parameters: [Parameter] {
    layerNorm1.parameters + attention.parameters + layerNorm2.parameters + mlp.parameters
  }

  public func forward(_ x: Tensor, training: Bool = false) -> Tensor {
    var h = x
    h.add(attention.forward(layerNorm1.forward(x, training: training), training: training))
    var out = h
    out.add(mlp.forward(layerNorm2.forward(h, training: training), training: training))
    return out
  }

  /// dy: [B, T, C] → dx (when `inputGradient`). Gradients land in every trainable parameter.
  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    var dh = dy  // residual path
    dh.add(layerNorm2.backward(mlp.backward(dy, inputGradient: true)!, inputGradient: true)!)
    let dAttnIn = attention.backward(dh, inputGradient: inputGradient || layerNorm1.hasTrainableParameters)
    let dx = dAttnIn.flatMap { layerNorm1.backward($0, inputGradient: inputGradient) }
    guard inputGradient else { return nil }
    var out = dh
    out.add(dx!)
    return out
  }
}
