import Tensors

/// Pre-LayerNorm residual block as in `CLIPEncoderLayer` (and ViT's `ViTLayer`):
/// x = x + attn(ln1(x)); x = x + mlp(ln2(x)).   x: [B, T, C] → [B, T, C]
///
/// With `residualDropout` (ViT's `hidden_dropout_prob`; CLIP has none) each branch's output is
/// dropped before its residual add: x = x + drop(attn(ln1(x))); x = x + drop(mlp(ln2(x))).
public final class TransformerBlock: ParameterContainer {
  public let layerNorm1: LayerNorm
  public let attention: MultiHeadAttention
  public let layerNorm2: LayerNorm
  public let mlp: MLP
  /// `ViTLayer.dropout` on the attention and MLP outputs before their residual adds (dropping
  /// forwards only; nil or p 0: none, today's path).
  public var residualDropout: DropoutSource?
  private var dropoutStarts: (attention: DropoutRNG.State?, mlp: DropoutRNG.State?) = (nil, nil)

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

  /// x: [B, T, C] → [B, T, C]; a training forward drops (when dropout is set).
  public func forward(_ x: Tensor, training: Bool = false) -> Tensor { forward(x, training: training, dropout: training) }

  /// x: [B, T, C] → [B, T, C]. `training` keeps what `backward` needs; `dropout` applies the
  /// block's dropouts — a frozen ViT layer below the trainable ones drops without keeping
  /// anything, as transformers' `train()` mode does.
  public func forward(_ x: Tensor, training: Bool, dropout dropping: Bool) -> Tensor {
    guard dropping, residualDropout != nil || attention.attentionDropout != nil else {
      var h = x
      h.add(attention.forward(layerNorm1.forward(x, training: training), training: training))
      var out = h
      out.add(mlp.forward(layerNorm2.forward(h, training: training), training: training))
      dropoutStarts = (nil, nil)
      return out
    }
    var h = x
    var a = attention.forward(layerNorm1.forward(x, training: training), training: training, dropout: true)
    let attentionStart = residualDropout?.forward(&a)
    h.add(a)
    var out = h
    var m = mlp.forward(layerNorm2.forward(h, training: training), training: training)
    let mlpStart = residualDropout?.forward(&m)
    out.add(m)
    dropoutStarts = training ? (attentionStart, mlpStart) : (nil, nil)
    return out
  }

  /// dy through the residual dropout of a branch whose draw started at `start` (unchanged without one).
  private func dropped(_ dy: Tensor, _ start: DropoutRNG.State?) -> Tensor {
    guard let start, let d = residualDropout else { return dy }
    return d.backward(dy, startingAt: start)
  }

  /// dy: [B, T, C] → dx (when `inputGradient`). Gradients land in every trainable parameter.
  /// Through residual dropout the branch gradients are drop(dy) with the forward's masks, regenerated.
  public func backward(_ dy: Tensor, inputGradient: Bool) -> Tensor? {
    let starts = dropoutStarts
    dropoutStarts = (nil, nil)
    var dh = dy  // residual path
    dh.add(layerNorm2.backward(mlp.backward(dropped(dy, starts.mlp), inputGradient: true)!, inputGradient: true)!)
    let dAttnIn = attention.backward(dropped(dh, starts.attention), inputGradient: inputGradient || layerNorm1.hasTrainableParameters)
    let dx = dAttnIn.flatMap { layerNorm1.backward($0, inputGradient: inputGradient) }
    guard inputGradient else { return nil }
    var out = dh
    out.add(dx!)
    return out
  }
}
