import Layers
import Tensors

/// GPT-2 as the decoder of a `VisionEncoderDecoderModel` (transformers' `GPT2LMHeadModel` with
/// `add_cross_attention`): token + position embeddings, blocks attending causally to the tokens and
/// fully to the encoder states, `ln_f`, and the LM head tied to the token embedding (one
/// `Parameter`, `decoder.transformer.wte.weight`, reachable as `decoder.lm_head.weight` too).
///
/// ids [B, T] (right-padded, equal lengths), e [B, S, C] → logits [B, T, V] = ln_f(h) · wteᵀ.
/// Backward from d(logits): d wte += d(logits)ᵀ · ln_f(h) (the head) plus the embedding rows'
/// scatter-add; d wpe, every block, and d(encoder states) when asked.
public final class GPT2Decoder: ParameterContainer {
  public let tokenEmbedding: Embedding     // wte [V, C], also the LM head
  public let positionEmbedding: Embedding  // wpe [P, C]
  public let blocks: [GPT2Block]
  public let finalLayerNorm: LayerNorm     // ln_f
  /// `drop` (embd_pdrop) on token + position embeddings (training forwards only).
  public var embeddingDropout: DropoutSource?
  private var cache: (batch: Int, tokens: Int, hidden: Tensor?)?
  private var embeddingDropoutStart: DropoutRNG.State?

  public init(prefix: String = "decoder", vocabulary: Int, positions: Int, dim: Int, heads: Int, layers: Int, hidden: Int,
              activation: Activation = .geluTanh, eps: Float = 1e-5, crossAttention: Bool = true) {
    tokenEmbedding = Embedding("\(prefix).transformer.wte", count: vocabulary, dim: dim)
    positionEmbedding = Embedding("\(prefix).transformer.wpe", count: positions, dim: dim)
    blocks = (0..<layers).map {
      GPT2Block("\(prefix).transformer.h.\($0)", dim: dim, heads: heads, hidden: hidden, activation: activation, eps: eps,
                crossAttention: crossAttention)
    }
    finalLayerNorm = LayerNorm("\(prefix).transformer.ln_f", dim: dim, eps: eps)
  }

  /// Each parameter once (the tied LM head is `wte`).
  public var parameters: [Parameter] {
    tokenEmbedding.parameters + positionEmbedding.parameters + blocks.flatMap(\.parameters) + finalLayerNorm.parameters
  }

  public var dim: Int { tokenEmbedding.dim }

  /// GPT-2's training dropout, as transformers applies it in `train()` mode: `embd` on the
  /// embeddings, `attention` on every attention's probabilities (self and cross), `residual` on
  /// every attention and MLP output before its residual add; masks from `rng`. All 0 removes it.
  public func setDropout(residual: Float, embedding: Float, attention: Float, rng: DropoutRNG) {
    embeddingDropout = embedding > 0 ? DropoutSource(p: embedding, rng: rng) : nil
    for block in blocks {
      block.residualDropout = residual > 0 ? DropoutSource(p: residual, rng: rng) : nil
      for a in [block.attention] + (block.crossAttention.map { [$0] } ?? []) {
        a.attentionDropout = attention > 0 ? DropoutSource(p: attention, rng: rng) : nil
      }
    }
  }
  public var vocabulary: Int { tokenEmbedding.count }

  /// ids: B sequences of equal length T (ids in the vocabulary, T ≤ positions), encoder states
  /// e [B, S, C] → logits [B, T, V]. With `training`, keeps what `backward` needs.
  public func forward(_ ids: [[Int]], encoder: Tensor, training: Bool = false) -> Tensor {
    let b = ids.count, t = ids.first?.count ?? 0, c = dim, v = vocabulary
    precondition(ids.allSatisfy { $0.count == t } && t <= positionEmbedding.count, "GPT-2 decoder: ids must be [B, T] with T ≤ positions")
    var x = tokenEmbedding.forward(ids.flatMap { $0 }, training: training).reshaped([b, t, c])
    let positions = positionEmbedding.forward(Array(0..<t), training: training)  // [T, C]
    for i in 0..<b { for j in 0..<(t * c) { x.data[i * t * c + j] += positions.data[j] } }
    embeddingDropoutStart = training ? embeddingDropout?.forward(&x) : nil
    for block in blocks { x = block.forward(x, encoder: encoder, training: training) }
    let h = finalLayerNorm.forward(x, training: training)  // [B, T, C]
    cache = training ? (b, t, tokenEmbedding.weight.trainable ? h : nil) : nil
    var logits = Tensor(uninitialized: [b, t, v])
    h.data.withUnsafeBufferPointer { hp in
      tokenEmbedding.weight.value.data.withUnsafeBufferPointer { wp in
        logits.data.withUnsafeMutableBufferPointer { lp in
          BLAS.gemm(transB: true, m: b * t, n: v, k: c, a: hp.baseAddress!, lda: c, b: wp.baseAddress!, ldb: c,
                    c: lp.baseAddress!, ldc: v)
        }
      }
    }
    return logits
  }

  /// dLogits [B, T, V] → gradients in every trainable parameter; returns d(encoder states)
  /// [B, S, C] (summed over the blocks) when `encoderGradient`.
  @discardableResult
  public func backward(_ dLogits: Tensor, encoderGradient: Bool) -> Tensor? {
    guard let (b, t, h) = cache else { preconditionFailure("GPT-2 decoder: backward without a training forward") }
    cache = nil
    let c = dim, v = vocabulary, rows = b * t
    let wte = tokenEmbedding.weight
    if wte.trainable, let h {
      dLogits.data.withUnsafeBufferPointer { gp in
        h.data.withUnsafeBufferPointer { hp in
          wte.writeOrAccumulateGradient { dw, beta in  // d wte (+)= dLogitsᵀ · h   [V, C]
            BLAS.gemm(transA: true, m: v, n: c, k: rows, a: gp.baseAddress!, lda: v, b: hp.baseAddress!, ldb: c,
                      beta: beta, c: dw, ldc: c)
          }
        }
      }
    }
    var dh = Tensor(uninitialized: [b, t, c])  // dLogits · wte
    dLogits.data.withUnsafeBufferPointer { gp in
      wte.value.data.withUnsafeBufferPointer { wp in
        dh.data.withUnsafeMutableBufferPointer { dp in
          BLAS.gemm(m: rows, n: c, k: v, a: gp.baseAddress!, lda: v, b: wp.baseAddress!, ldb: c, c: dp.baseAddress!, ldc: c)
        }
      }
    }
    var dx = finalLayerNorm.backward(dh, inputGradient: true)!
    var dEncoder: Tensor?
    for block in blocks.reversed() {
      let (next, de) = block.backward(dx, inputGradient: true, encoderGradient: encoderGradient)
      dx = next!
      if let de {
        if dEncoder == nil { dEncoder = de } else { dEncoder!.add(de) }
      }
    }
    if let d = embeddingDropout { dx = d.backward(dx, startingAt: embeddingDropoutStart) }
    embeddingDropoutStart = nil
    tokenEmbedding.backward(dx.reshaped([rows, c]))
    if positionEmbedding.weight.trainable {
      var dPositions = Tensor(zeros: [t, c])
      for i in 0..<b { for k in 0..<(t * c) { dPositions.data[k] += dx.data[i * t * c + k] } }
      positionEmbedding.backward(dPositions)
    }
    return dEncoder
  }
}
