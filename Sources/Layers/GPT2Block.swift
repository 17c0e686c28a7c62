import Tensors

/// A GPT-2 decoder block (transformers' `GPT2Block`), with cross-attention when the decoder has
/// `add_cross_attention`:
/// h = x + attn(ln_1(x));  h = h + crossattention(ln_cross_attn(h), e);  y = h + mlp(ln_2(h)),
/// mlp = c_proj(gelu_new(c_fc(·))).   x: [B, T, C], e: [B, S, C] → [B, T, C].
public final class GPT2Block: ParameterContainer {
  public let ln1: LayerNorm
  public let attention: GPT2Attention
  public let lnCross: LayerNorm?
  public let crossAttention: GPT2Attention?
  public let ln2: LayerNorm
  public let mlp: MLP

  /// `prefix` is the block's HF name (`decoder.transformer.h.0`); `hidden` the MLP width (4C in GPT-2).
  public init(_ prefix: String, dim: Int, heads: Int, hidden: Int, activation: Activation, eps: Float, crossAttention: Bool) {
    ln1 = LayerNorm("\(prefix).ln_1", dim: dim, eps: eps)
    attention = GPT2Attention("\(prefix).attn", dim: dim, heads: heads, crossAttention: false)
    lnCross = crossAttention ? LayerNorm("\(prefix).ln_cross_attn", dim: dim, eps: eps) : nil
    self.crossAttention = crossAttention ? GPT2Attention("\(prefix).crossattention", dim: dim, heads: heads, crossAttention: true) : nil
    ln2 = LayerNorm("\(prefix).ln_2", dim: dim, eps: eps)
    mlp = MLP(fc1: Conv1D("\(prefix).mlp.c_fc", inFeatures: dim, outFeatures: hidden),
              fc2: Conv1D("\(prefix).mlp.c_proj", inFeatures: hidden, outFeatures: dim), activation: activation)
  }

  /// In HF state-dict order: ln_1, attn, ln_2, mlp, then the cross-attention parts (as
  /// transformers registers them: crossattention and ln_cross_attn after ln_2).
  public var parameters: [Parameter] {
    ln1.parameters + attention.parameters + ln2.parameters + (crossAttention?.parameters ?? []) + (lnCross?.parameters ?? [])
      + mlp.parameters
  }

  /// x: [B, T, C], encoder states e: [B, S, C] (required with cross-attention) → [B, T, C].
  public func forward(_ x: Tensor, encoder: Tensor? = nil, training: Bool = false) -> Tensor {
    var h = x
    h.add(attention.forward(ln1.forward(x, training: training), training: training))
    if let crossAttention, let lnCross {
      precondition(encoder != nil, "GPT-2 block with cross-attention: encoder states are required")
      h.add(crossAttention.forward(lnCross.forward(h, training: training), encoder: encoder, training: training))
    }
    var y = h
    y.add(mlp.forward(ln2.forward(h, training: training), training: training))
    return y
  }

  /// dy: [B, T, C] → dx (when `inputGradient`) and d(encoder states) (when `encoderGradient`).
  public func backward(_ dy: Tensor, inputGradient: Bool, encoderGradient: Bool = false) -> (dx: Tensor?, dEncoder: Tensor?) {
    var dh = dy  // residual path
    dh.add(ln2.backward(mlp.backward(dy, inputGradient: true)!, inputGradient: true)!)
    var dEncoder: Tensor?
    if let crossAttention, let lnCross {
      let (dq, de) = crossAttention.backward(dh, inputGradient: true, encoderGradient: encoderGradient)
      dh.add(lnCross.backward(dq!, inputGradient: true)!)
      dEncoder = de
    }
    let (dAttn, _) = attention.backward(dh, inputGradient: inputGradient || ln1.hasTrainableParameters)
    let dx = dAttn.flatMap { ln1.backward($0, inputGradient: inputGradient) }
    guard inputGradient else { return (nil, dEncoder) }
    var out = dh
    out.add(dx!)
    return (out, dEncoder)
  }
}
