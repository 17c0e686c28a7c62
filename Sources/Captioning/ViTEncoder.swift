import Layers
import Tensors

/// The captioner's image encoder: transformers' `ViTModel` (the `encoder` of a
/// `VisionEncoderDecoderModel`, e.g. nlpconnect/vit-gpt2-image-captioning), without position
/// interpolation and without masking.
///
///     e = [cls; patches(pixels)] + pos                       pixels [B, ch, S, S] → e [B, N+1, C]
///     per layer: h = x + attn(layernorm_before(x));  x = h + mlp(layernorm_after(h))
///     last_hidden_state = layernorm(x)                       over all N+1 tokens
///
/// with N = (S/p)², attention bidirectional and scaled by 1/√(C/H), the MLP `intermediate.dense`,
/// `hidden_act`, `output.dense`. `forward` returns `last_hidden_state`, what the decoder
/// cross-attends to.
///
/// Parameters carry the checkpoint names (`encoder.` + ViTModel's state-dict keys as saved by
/// transformers 4 and on the Hub; transformers 5 renames its modules in memory, e.g.
/// `layers.0.attention.q_proj`, but loads and saves these names) in the checkpoint's order:
/// `embeddings.cls_token` [1, 1, C], `embeddings.position_embeddings` [1, N+1, C],
/// `embeddings.patch_embeddings.projection.{weight,bias}`, per layer
/// `encoder.layer.i.attention.attention.{query,key,value}`, `.attention.output.dense`,
/// `.intermediate.dense`, `.output.dense`, `.layernorm_before`, `.layernorm_after`, then
/// `layernorm` and `pooler.dense`.
///
/// The pooler (`pooler.dense`, tanh on the CLS token) exists because VisionEncoderDecoderModel
/// builds its ViT with the pooling layer, so checkpoints hold it and PEFT's parameter counts include
/// it; but the decoder reads `last_hidden_state`, not `pooler_output`, so it is never run here and
/// never gets a gradient (transformers leaves its `.grad` None as well).
///
/// Training dropout (`setDropout`), as `ViTModel` applies it in `train()` mode: `hidden_dropout_prob`
/// on e (all N+1 rows, CLS included) and on each layer's attention and MLP outputs before their
/// residual adds (`ViTLayer.dropout`), `attention_probs_dropout_prob` on every layer's attention
/// probabilities before they multiply V:
///
///     e = drop_h(e);  h = x + drop_h(attn(layernorm_before(x)));  x = h + drop_h(mlp(layernorm_after(h)))
///     attn: drop_a(softmax(q kᵀ/√Dh)) v
///
/// Masks come from the stream given to `setDropout`, reserved in forward order (embeddings, then per
/// layer the probabilities, the attention output, the MLP output) and regenerated in backward.
public final class ViTEncoder: ParameterContainer {
  public let config: ViTConfig
  public let classToken: Parameter          // cls_token [1, 1, C]
  public let positionEmbeddings: Parameter  // [1, N+1, C]
  public let patchEmbedding: PatchEmbedding // projection: weight [C, ch, p, p], bias [C]
  /// The layers; their attention projections (`query`, `key`, `value`, `attention.output.dense`)
  /// and MLP layers are `LinearLayer` vars, so LoRA can wrap them.
  public var blocks: [TransformerBlock]
  public let layerNorm: LayerNorm           // layernorm, after the last layer
  public var pooler: LinearLayer            // pooler.dense [pooler width, C]; unused (see above); a slot LoRA may wrap
  /// `ViTEmbeddings.dropout` (hidden_dropout_prob) on cls/patches + positions (dropping forwards only).
  public var embeddingDropout: DropoutSource?
  /// Training-forward state: batch size, the index of the lowest block that runs backward
  /// (-1: the embeddings train too), and where the embedding dropout's draw started.
  private var cache: (batch: Int, lowest: Int, embeddingDropout: DropoutRNG.State?)?

  /// A zero-initialised encoder (LayerNorm scales 1) named `prefix.…`; `prefix` "" gives bare
  /// `ViTModel` names (`embeddings.cls_token`, …). `config` must pass `validate`.
  public init(_ config: ViTConfig, prefix: String = "encoder") {
    guard let act = Activation(huggingFace: config.hiddenAct) else {
      preconditionFailure("ViTEncoder: unsupported hidden_act '\(config.hiddenAct)' (validate the config first)")
    }
    self.config = config
    let n = prefix.isEmpty ? "" : prefix + ".", c = config.hiddenSize, eps = Float(config.layerNormEps)
    classToken = Parameter("\(n)embeddings.cls_token", Tensor(zeros: [1, 1, c]))
    positionEmbeddings = Parameter("\(n)embeddings.position_embeddings", Tensor(zeros: [1, config.tokenCount, c]))
    patchEmbedding = PatchEmbedding("\(n)embeddings.patch_embeddings.projection", channels: config.numChannels, dim: c,
                                    patchSize: config.patchSize, bias: true)
    blocks = (0..<config.numHiddenLayers).map { i in
      let l = "\(n)encoder.layer.\(i)", qkv = config.qkvBias, inter = config.intermediateSize
      let attention = MultiHeadAttention(
        query: Linear("\(l).attention.attention.query", inFeatures: c, outFeatures: c, bias: qkv),
        key: Linear("\(l).attention.attention.key", inFeatures: c, outFeatures: c, bias: qkv),
        value: Linear("\(l).attention.attention.value", inFeatures: c, outFeatures: c, bias: qkv),
        output: Linear("\(l).attention.output.dense", inFeatures: c, outFeatures: c),
        heads: config.numAttentionHeads, causal: false)
      let mlp = MLP(fc1: Linear("\(l).intermediate.dense", inFeatures: c, outFeatures: inter),
                    fc2: Linear("\(l).output.dense", inFeatures: inter, outFeatures: c), activation: act)
      return TransformerBlock(layerNorm1: LayerNorm("\(l).layernorm_before", dim: c, eps: eps), attention: attention,
                              layerNorm2: LayerNorm("\(l).layernorm_after", dim: c, eps: eps), mlp: mlp)
    }
    layerNorm = LayerNorm("\(n)layernorm", dim: c, eps: eps)
    pooler = Linear("\(n)pooler.dense", inFeatures: c, outFeatures: config.poolerWidth)
  }

  /// Every parameter in the checkpoint's order: embeddings, then per layer attention (query, key,
  /// value, output), MLP (intermediate, output), layernorm_before, layernorm_after; `layernorm`;
  /// the pooler. Wrapped projections (LoRA) list their own parameters in their place.
  public var parameters: [Parameter] {
    [classToken, positionEmbeddings] + patchEmbedding.parameters
      + blocks.flatMap { $0.attention.parameters + $0.mlp.parameters + $0.layerNorm1.parameters + $0.layerNorm2.parameters }
      + layerNorm.parameters + pooler.parameters
  }

  /// ViT's training dropout (see above): `hidden` (hidden_dropout_prob) on the embeddings and every
  /// layer's residual branches, `attention` (attention_probs_dropout_prob) on every layer's
  /// probabilities; masks from `rng`. 0 removes that dropout (today's path, nothing drawn).
  public func setDropout(hidden: Float, attention: Float, rng: DropoutRNG) {
    embeddingDropout = hidden > 0 ? DropoutSource(p: hidden, rng: rng) : nil
    for block in blocks {
      block.residualDropout = hidden > 0 ? DropoutSource(p: hidden, rng: rng) : nil
      block.attention.attentionDropout = attention > 0 ? DropoutSource(p: attention, rng: rng) : nil
    }
  }

  /// True when the CLS token, position or patch embeddings train, so backward must reach them.
  var embeddingsTrain: Bool {
    classToken.trainable || positionEmbeddings.trainable || patchEmbedding.hasTrainableParameters
  }

  /// Why `pixels` cannot be encoded (not [B, ch, S, S] with the config's channels and image size),
  /// or nil. transformers refuses other sizes too (without `interpolate_pos_encoding`).
  public func inputProblem(_ pixels: Tensor) -> String? {
    let s = config.imageSize, ch = config.numChannels
    guard pixels.rank == 4, Array(pixels.shape.dropFirst()) == [ch, s, s] else {
      return "ViT encoder: pixel values must be [B, \(ch), \(s), \(s)] (image_size \(s)), got \(pixels.shape)"
    }
    return nil
  }

  /// pixels: [B, ch, S, S] → last_hidden_state [B, N+1, C]. With `training`, layers from the lowest
  /// one with trainable parameters upwards (and `layernorm`) keep what `backward` needs; frozen
  /// layers below run as in inference. `dropout` (default: `training`) applies the dropouts of
  /// `setDropout` in every layer, frozen ones too (transformers' `train()` mode drops there as well),
  /// so a frozen encoder in a training step passes `training: false, dropout: true`.
  public func forward(_ pixels: Tensor, training: Bool = false, dropout: Bool? = nil) -> Tensor {
    if let problem = inputProblem(pixels) { preconditionFailure(problem) }
    let dropping = dropout ?? training
    let lowest = embeddingsTrain ? -1 : (blocks.firstIndex { $0.hasTrainableParameters } ?? blocks.count)
    var x = embed(pixels, training: training && lowest < 0)  // [B, N+1, C]
    let embeddingStart = dropping ? embeddingDropout?.forward(&x) : nil
    for (i, block) in blocks.enumerated() { x = block.forward(x, training: training && i >= lowest, dropout: dropping) }
    cache = training ? (pixels.shape[0], lowest, embeddingStart) : nil
    return layerNorm.forward(x, training: training)
  }

  /// pixels [B, ch, S, S] → embeddings [B, N+1, C]: row 0 = cls + pos₀, row t = patch_{t-1} + pos_t.
  private func embed(_ pixels: Tensor, training: Bool) -> Tensor {
    let b = pixels.shape[0], c = config.hiddenSize, tokens = config.tokenCount
    let patches = patchEmbedding.forward(pixels, training: training)  // [B, N, C]
    var x = Tensor(uninitialized: [b, tokens, c])
    x.data.withUnsafeMutableBufferPointer { xp in
      patches.data.withUnsafeBufferPointer { pp in
        classToken.value.data.withUnsafeBufferPointer { cls in
          positionEmbeddings.value.data.withUnsafeBufferPointer { pos in
            for img in 0..<b {
              let base = xp.baseAddress! + img * tokens * c
              for j in 0..<c { base[j] = cls[j] + pos[j] }
              for t in 1..<tokens {
                let dst = base + t * c, from = pp.baseAddress! + (img * (tokens - 1) + t - 1) * c, pe = pos.baseAddress! + t * c
                for j in 0..<c { dst[j] = from[j] + pe[j] }
              }
            }
          }
        }
      }
    }
    return x
  }

  /// dHidden: [B, N+1, C], the gradient of last_hidden_state → gradients in every trainable
  /// parameter (never the pooler's). Stops below the lowest trainable layer; no pixel gradient.
  public func backward(_ dHidden: Tensor) {
    guard let (b, lowest, embeddingStart) = cache else { preconditionFailure("ViT encoder: backward without a training forward") }
    cache = nil
    let c = config.hiddenSize, tokens = config.tokenCount
    precondition(dHidden.shape == [b, tokens, c], "ViT encoder: gradient \(dHidden.shape) for [\(b), \(tokens), \(c)]")
    guard var dx = layerNorm.backward(dHidden, inputGradient: lowest < blocks.count) else { return }
    for i in stride(from: blocks.count - 1, through: max(lowest, 0), by: -1) {
      guard let next = blocks[i].backward(dx, inputGradient: i > lowest) else { return }
      dx = next
    }
    guard lowest < 0 else { return }
    let dEmbed = embeddingDropout.map { $0.backward(dx, startingAt: embeddingStart) } ?? dx  // [B, N+1, C]
    if classToken.trainable {  // d cls += Σ_b dEmbed[b, 0]
      classToken.accumulateGradient { g in for i in 0..<b { for j in 0..<c { g[j] += dEmbed.data[i * tokens * c + j] } } }
    }
    if positionEmbeddings.trainable {  // d pos += Σ_b dEmbed[b]
      positionEmbeddings.accumulateGradient { g in
        for i in 0..<b { for k in 0..<(tokens * c) { g[k] += dEmbed.data[i * tokens * c + k] } }
      }
    }
    if patchEmbedding.hasTrainableParameters {
      var dPatches = Tensor(uninitialized: [b, tokens - 1, c])  // the patch tokens' gradient
      for i in 0..<b {
        for k in 0..<((tokens - 1) * c) { dPatches.data[i * (tokens - 1) * c + k] = dEmbed.data[i * tokens * c + c + k] }
      }
      patchEmbedding.backward(dPatches)
    }
  }
}
