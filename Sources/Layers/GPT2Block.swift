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
  /// `resid_dropout` / the MLP's `dropout` (resid_pdrop) on each branch's output before it joins
  /// the residual stream (training forwards only; nil or p 0: none).
  public var residualDropout: DropoutSource?
  private var dropoutStarts: (attention: DropoutRNG.State?, cross: DropoutRNG.State?, mlp: DropoutRNG.State?) = (nil, nil, nil)

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
    let drop = training ? residualDropout : nil
    var h = x
    var a = attention.forward(ln1.forward(x, training: training), training: training)
    dropoutStarts.attention = drop?.forward(&a)
    h.add(a)
    if let crossAttention, let lnCross {
      precondition(encoder != nil, "GPT-2 block with cross-attention: encoder states are required")
      var c = crossAttention.forward(lnCross.forward(h, training: training), encoder: encoder, training: training)
      dropoutStarts.cross = drop?.forward(&c)
      h.add(c)
    }
    var y = h
    var m = mlp.forward(ln2.forward(h, training: training), training: training)
    dropoutStarts.mlp = drop?.forward(&m)
    y.add(m)
    return y
  }

  /// dy through the residual dropout of a branch whose draw started at `start` (unchanged without one).
  private func dropped(_ dy: Tensor, _ start: DropoutRNG.State?) -> Tensor {
    guard let start, let d = residualDropout else { return dy }
    return d.backward(dy, startingAt: start)
  }

  /// dy: [B, T, C] → dx (when `inputGradient`) and d(encoder states) (when `encoderGradient`).
  public func backward(_ dy: Tensor, inputGradient: Bool, encoderGradient: Bool = false) -> (dx: Tensor?, dEncoder: Tensor?) {
    let starts = dropoutStarts
    dropoutStarts = (nil, nil, nil)
    var dh = dy  // residual path
    dh.add(ln2.backward(mlp.backward(dropped(dy, starts.mlp), inputGradient: true)!, inputGradient: true)!)
    var dEncoder: Tensor?
    if let crossAttention, let lnCross {
      let (dq, de) = crossAttention.backward(dropped(dh, starts.cross), inputGradient: true, encoderGradient: encoderGradient)
      dh.add(lnCross.backward(dq!, inputGradient: true)!)
      dEncoder = de
    }
    let (dAttn, _) = attention.backward(dropped(dh, starts.attention), inputGradient: inputGradient || ln1.hasTrainableParameters)
    let dx = dAttn.flatMap { ln1.backward($0, inputGradient: inputGradient) }
    guard inputGradient else { return (nil, dEncoder) }
    var out = dh
    out.add(dx!)
    return (out, dEncoder)
  }
}
