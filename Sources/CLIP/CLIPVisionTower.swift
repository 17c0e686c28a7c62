import Layers
import Tensors

/// The ViT image encoder of `CLIPVisionTransformer`: patch embedding (a stride-p convolution
/// without bias, ``PatchEmbedding``), CLS + position embeddings, `pre_layrnorm`, blocks,
/// `post_layernorm` on the CLS token.
public final class CLIPVisionTower: ParameterContainer {
  public let config: CLIPVisionConfig
  public let classEmbedding: Parameter     // [C]
  public let patchEmbedding: PatchEmbedding  // weight [C, channels, p, p], no bias
  public let positionEmbedding: Embedding  // [tokens, C]
  public let preLayerNorm: LayerNorm
  public let blocks: [TransformerBlock]
  public let postLayerNorm: LayerNorm
  /// Modules run on the token sequence before block `i` (index 0: right after `pre_layrnorm`),
  /// such as visual prompts. Empty for a plain CLIP.
  public private(set) var insertions: [Int: SequenceModule] = [:]
  /// Training-forward state: batch size, token count after the last stage, the index of the
  /// lowest stage that runs backward, the stages. (The patch embedding keeps its own im2col cache.)
  private var cache: (batch: Int, tokens: Int, lowestStage: Int, stages: [SequenceModule])?

  public init(_ config: CLIPVisionConfig) {
    self.config = config
    let c = config.hiddenSize, p = config.patchSize, eps = Float(config.layerNormEps)
    let act = Activation(huggingFace: config.hiddenAct)!
    classEmbedding = Parameter("vision_model.embeddings.class_embedding", Tensor(zeros: [c]))
    patchEmbedding = PatchEmbedding("vision_model.embeddings.patch_embedding", channels: config.numChannels, dim: c,
                                    patchSize: p, bias: false)
    positionEmbedding = Embedding("vision_model.embeddings.position_embedding", count: config.tokenCount, dim: c)
    preLayerNorm = LayerNorm("vision_model.pre_layrnorm", dim: c, eps: eps)
    blocks = (0..<config.numHiddenLayers).map {
      TransformerBlock("vision_model.encoder.layers.\($0)", dim: c, heads: config.numAttentionHeads,
                       hidden: config.intermediateSize, activation: act, eps: eps, causal: false)
    }
    postLayerNorm = LayerNorm("vision_model.post_layernorm", dim: c, eps: eps)
  }

  /// The model's own parameters (HF names), then those of inserted modules, block by block.
  public var parameters: [Parameter] {
    [classEmbedding] + patchEmbedding.parameters + positionEmbedding.parameters + preLayerNorm.parameters
      + blocks.flatMap(\.parameters) + postLayerNorm.parameters
      + insertions.keys.sorted().flatMap { insertions[$0]!.parameters }
  }

  /// What the token sequence passes through after the embeddings, in order: `pre_layrnorm`, then
  /// for each block any module inserted before it and the block itself.
  public var stages: [SequenceModule] {
    var stages: [SequenceModule] = [preLayerNorm]
    for (i, block) in blocks.enumerated() {
      if let inserted = insertions[i] { stages.append(inserted) }
      stages.append(block)
    }
    return stages
  }

  /// Runs `module` on the token sequence right before block `index` (0 = after `pre_layrnorm`),
  /// replacing any module inserted there. It may change the number of tokens but keeps token 0
  /// (CLS) in place.
  public func insert(_ module: SequenceModule, beforeBlock index: Int) {
    precondition(blocks.indices.contains(index), "vision tower: no block \(index) to insert before")
    insertions[index] = module
  }

  /// Removes every inserted module.
  public func removeInsertions() { insertions = [:] }

  /// True when the patch, class or position embeddings train, so backward must reach them.
  var embeddingsTrain: Bool {
    classEmbedding.trainable || patchEmbedding.hasTrainableParameters || positionEmbedding.hasTrainableParameters
  }

  /// pixels: [B, channels, S, S] → token embeddings before `pre_layrnorm`: [B, 1 + g², C]
  public func embed(_ pixels: Tensor) -> Tensor { embed(pixels, training: false) }

  private func embed(_ pixels: Tensor, training: Bool) -> Tensor {
    let s = config.imageSize
    precondition(pixels.rank == 4 && Array(pixels.shape.dropFirst()) == [config.numChannels, s, s],
                 "vision tower: pixels must be [B, \(config.numChannels), \(s), \(s)], got \(pixels.shape)")
    let b = pixels.shape[0], g = config.gridSize, c = config.hiddenSize, tokens = g * g + 1
    let patches = patchEmbedding.forward(pixels, training: training)  // [B, g², C]
    var x = Tensor(zeros: [b, tokens, c])
    x.data.withUnsafeMutableBufferPointer { xp in
      patches.data.withUnsafeBufferPointer { pp in
        classEmbedding.value.data.withUnsafeBufferPointer { cls in
          positionEmbedding.weight.value.data.withUnsafeBufferPointer { pos in
            for img in 0..<b {
              let base = xp.baseAddress! + img * tokens * c
              for j in 0..<c { base[j] = cls[j] + pos[j] }
              for t in 1..<tokens {
                let dst = base + t * c, from = pp.baseAddress! + (img * (tokens - 1) + t - 1) * c
                let pe = pos.baseAddress! + t * c
                for j in 0..<c { dst[j] = from[j] + pe[j] }
              }
            }
          }
        }
      }
    }
    return x
  }

  /// pixels: [B, channels, S, S] → pooled CLS features after `post_layernorm`: [B, C].
  /// `hiddenStates`, when given, receives the input of every block and the last block's output
  /// (what transformers returns as `hidden_states`).
  ///
  /// The token sequence after `pre_layrnorm` passes through `stages`: any module inserted before
  /// a block (`insert(_:beforeBlock:)`, e.g. visual prompts), then the block. With `training`,
  /// stages from the lowest one that has trainable parameters upwards keep what `backward` needs;
  /// frozen stages below run as in inference. Token 0 (CLS) is pooled whatever the sequence length.
  public func forward(_ pixels: Tensor, training: Bool = false, hiddenStates: ((Tensor) -> Void)? = nil) -> Tensor {
    let stages = self.stages
    let lowest = embeddingsTrain ? -1 : (stages.firstIndex { $0.hasTrainableParameters } ?? stages.count)
    var x = embed(pixels, training: training && lowest < 0)  // [B, 1 + g², C]
    for (s, stage) in stages.enumerated() {
      if stage is TransformerBlock { hiddenStates?(x) }
      x = stage.forward(x, training: training && s >= lowest)
    }
    hiddenStates?(x)
    let b = x.shape[0], t = x.shape[1], c = x.shape[2]
    cache = training ? (b, t, lowest, stages) : nil
    var cls = Tensor(zeros: [b, c])
    for i in 0..<b {
      for j in 0..<c { cls.data[i * c + j] = x.data[i * t * c + j] }
    }
    return postLayerNorm.forward(cls, training: training)
  }

  /// dPooled: [B, C], the gradient of the pooled output → gradients in every trainable parameter.
  public func backward(_ dPooled: Tensor) {
    guard let (b, t, lowest, stages) = cache else { preconditionFailure("vision tower: backward without a training forward") }
    cache = nil
    let c = config.hiddenSize
    guard let dCLS = postLayerNorm.backward(dPooled, inputGradient: lowest < stages.count) else { return }
    var dx = Tensor(zeros: [b, t, c])  // only the CLS token reaches the pooled output
    for i in 0..<b { for j in 0..<c { dx.data[i * t * c + j] = dCLS.data[i * c + j] } }
    for s in stride(from: stages.count - 1, through: max(lowest, 0), by: -1) {
      guard let next = stages[s].backward(dx, inputGradient: s > lowest) else { return }
      dx = next
    }
    guard lowest < 0 else { return }
    let dEmbed = dx  // [B, 1 + g², C], the gradient of the embeddings before `pre_layrnorm`
    let t0 = dEmbed.shape[1]
    if classEmbedding.trainable {
      classEmbedding.accumulateGradient { g in for i in 0..<b { for j in 0..<c { g[j] += dEmbed.data[i * t0 * c + j] } } }
    }
    if positionEmbedding.weight.trainable {
      positionEmbedding.weight.accumulateGradient { g in
        for i in 0..<b { for k in 0..<(t0 * c) { g[k] += dEmbed.data[i * t0 * c + k] } }
      }
    }
    if patchEmbedding.hasTrainableParameters {
      var dPatches = Tensor(uninitialized: [b, t0 - 1, c])  // the patch tokens' gradient
      for i in 0..<b {
        for k in 0..<((t0 - 1) * c) { dPatches.data[i * (t0 - 1) * c + k] = dEmbed.data[i * t0 * c + c + k] }
      }
      patchEmbedding.backward(dPatches)
    }
  }
}
