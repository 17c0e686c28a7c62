import Layers
import Tensors

/// The causal text encoder of `CLIPTextTransformer`: token + position embeddings, causal blocks,
/// `final_layer_norm`, pooled at the end-of-text token.
public final class CLIPTextTower: ParameterContainer {
  public let config: CLIPTextConfig
  public let tokenEmbedding: Embedding     // [V, C]
  public let positionEmbedding: Embedding  // [maxPositions, C]
  public let blocks: [TransformerBlock]
  public let finalLayerNorm: LayerNorm
  /// Training-forward state: batch, padded length, pooled positions, lowest block that runs
  /// backward, whether the tokens came from ids, whether the input gradient is wanted.
  private var cache: (batch: Int, tokens: Int, pooled: [Int], lowestBlock: Int, fromIDs: Bool, inputGradient: Bool)?

  public init(_ config: CLIPTextConfig) {
    self.config = config
    let c = config.hiddenSize, eps = Float(config.layerNormEps)
    let act = Activation(huggingFace: config.hiddenAct)!
    tokenEmbedding = Embedding("text_model.embeddings.token_embedding", count: config.vocabSize, dim: c)
    positionEmbedding = Embedding("text_model.embeddings.position_embedding", count: config.maxPositionEmbeddings, dim: c)
    blocks = (0..<config.numHiddenLayers).map {
      TransformerBlock("text_model.encoder.layers.\($0)", dim: c, heads: config.numAttentionHeads,
                       hidden: config.intermediateSize, activation: act, eps: eps, causal: true)
    }
    finalLayerNorm = LayerNorm("text_model.final_layer_norm", dim: c, eps: eps)
  }

  public var parameters: [Parameter] {
    tokenEmbedding.parameters + positionEmbedding.parameters + blocks.flatMap(\.parameters) + finalLayerNorm.parameters
  }

  /// Where each sequence is pooled: the first `eos_token_id`, or — for legacy configs whose
  /// `eos_token_id` is 2 — the first position of the largest id, as transformers does.
  public func poolingIndex(_ ids: [Int]) -> Int {
    if config.eosTokenId == 2 {
      var best = 0
      for (i, id) in ids.enumerated() where id > ids[best] { best = i }
      return best
    }
    return ids.firstIndex(of: config.eosTokenId) ?? (ids.count - 1)
  }

  /// Checks ids against the vocabulary and context length.
  public func validate(_ batch: [[Int]]) throws {
    for (n, ids) in batch.enumerated() {
      if ids.isEmpty { throw CLIPError(file: "", "text \(n) has no tokens") }
      if ids.count > config.maxPositionEmbeddings {
        throw CLIPError(file: "", "text \(n) has \(ids.count) tokens; the model takes at most \(config.maxPositionEmbeddings)")
      }
      if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
        throw CLIPError(file: "", "text \(n) has token id \(bad) outside the vocabulary (0..<\(config.vocabSize))")
      }
    }
  }

  /// ids: B sequences (unpadded, possibly of different lengths) → pooled features [B, C].
  /// Sequences are right-padded to the longest in the batch; the causal mask makes padding
  /// invisible to every position up to the pooled token, so results are exact.
  /// Precondition: `validate(ids)` passes.
  ///
  /// With `training`, layers from the lowest one that has trainable parameters upwards keep what
  /// `backward` needs; frozen layers below run as in inference.
  public func forward(_ batch: [[Int]], training: Bool = false, hiddenStates: ((Tensor) -> Void)? = nil) -> Tensor {
    let b = batch.count, t = batch.map(\.count).max() ?? 0, c = config.hiddenSize
    let padded = batch.flatMap { $0 + Array(repeating: config.eosTokenId == 2 ? 0 : config.eosTokenId, count: t - $0.count) }
    let tokens = tokenEmbedding.forward(padded, training: training).reshaped([b, t, c])  // [B, T, C]
    return encode(tokens, pooledAt: batch.map(poolingIndex), training: training, inputGradient: false,
                  fromIDs: true, hiddenStates: hiddenStates)
  }

  /// Token embeddings given directly instead of ids (learned prompt contexts, as in CoOp):
  /// tokenEmbeds: [B, T, C], the rows `token_embedding` would give, before position embeddings;
  /// pooledAt: the position pooled in each sequence (its end-of-text token) → pooled features [B, C].
  /// With `training` and `inputGradient`, `backward` returns d(loss)/d(tokenEmbeds).
  /// Throws when the shapes do not fit the model or a pooled position is outside its sequence.
  public func forward(tokenEmbeddings tokenEmbeds: Tensor, pooledAt: [Int], training: Bool = false,
                      inputGradient: Bool = false) throws -> Tensor {
    guard tokenEmbeds.rank == 3, tokenEmbeds.shape[2] == config.hiddenSize, tokenEmbeds.shape[1] > 0 else {
      throw CLIPError(file: "", "token embeddings have shape \(tokenEmbeds.shape); the text tower takes [B, T, \(config.hiddenSize)]")
    }
    let b = tokenEmbeds.shape[0], t = tokenEmbeds.shape[1]
    guard t <= config.maxPositionEmbeddings else {
      throw CLIPError(file: "", "\(t) tokens; the text tower takes at most \(config.maxPositionEmbeddings)")
    }
    guard pooledAt.count == b, pooledAt.allSatisfy({ (0..<t).contains($0) }) else {
      throw CLIPError(file: "", "pooled positions \(pooledAt.prefix(8)) do not fit \(b) sequences of \(t) tokens")
    }
    return encode(tokenEmbeds, pooledAt: pooledAt, training: training, inputGradient: inputGradient, fromIDs: false,
                  hiddenStates: nil)
  }

  /// tokens [B, T, C] + position embeddings → blocks → pooled rows → `final_layer_norm`.
  private func encode(_ tokens: Tensor, pooledAt at: [Int], training: Bool, inputGradient: Bool, fromIDs: Bool,
                      hiddenStates: ((Tensor) -> Void)?) -> Tensor {
    let b = tokens.shape[0], t = tokens.shape[1], c = config.hiddenSize
    let embeddingsTrain = (fromIDs && tokenEmbedding.hasTrainableParameters) || positionEmbedding.hasTrainableParameters
      || inputGradient
    let lowest = embeddingsTrain ? -1 : (blocks.firstIndex { $0.hasTrainableParameters } ?? blocks.count)
    var x = tokens
    let positions = positionEmbedding.forward(Array(0..<t), training: training)     // [T, C]
    for i in 0..<b {
      for j in 0..<(t * c) { x.data[i * t * c + j] += positions.data[j] }
    }
    hiddenStates?(x)
    for (i, block) in blocks.enumerated() {
      x = block.forward(x, training: training && i >= lowest)
      hiddenStates?(x)
    }
    var pooled = Tensor(zeros: [b, c])
    for i in 0..<b {
      for j in 0..<c { pooled.data[i * c + j] = x.data[(i * t + at[i]) * c + j] }
    }
    cache = training ? (b, t, at, lowest, fromIDs, inputGradient) : nil
    return finalLayerNorm.forward(pooled, training: training)  // LayerNorm is per-token, so pooling first is exact
  }

  /// dPooled: [B, C], the gradient of the pooled output → gradients in every trainable parameter;
  /// returns d(loss)/d(token embeddings) [B, T, C] when the forward took embeddings with
  /// `inputGradient`, else nil.
  @discardableResult
  public func backward(_ dPooled: Tensor) -> Tensor? {
    guard let (b, t, at, lowest, fromIDs, inputGradient) = cache else {
      preconditionFailure("text tower: backward without a training forward")
    }
    cache = nil
    let c = config.hiddenSize
    guard let dPool = finalLayerNorm.backward(dPooled, inputGradient: lowest < blocks.count) else { return nil }
    var dx = Tensor(zeros: [b, t, c])  // only each text's pooled token reaches the output
    for i in 0..<b { for j in 0..<c { dx.data[(i * t + at[i]) * c + j] = dPool.data[i * c + j] } }
    for i in stride(from: blocks.count - 1, through: max(lowest, 0), by: -1) {
      guard let next = blocks[i].backward(dx, inputGradient: i > lowest) else { return nil }
      dx = next
    }
    guard lowest < 0 else { return nil }
    if fromIDs { tokenEmbedding.backward(dx.reshaped([b * t, c])) }
    if positionEmbedding.weight.trainable {
      var dPositions = Tensor(zeros: [t, c])
      for i in 0..<b { for k in 0..<(t * c) { dPositions.data[k] += dx.data[i * t * c + k] } }
      positionEmbedding.backward(dPositions)
    }
    return inputGradient ? dx : nil
  }
}
