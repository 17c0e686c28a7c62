import CLIP

/// The GEMMs of one training step (forward, input gradients, weight gradients; LoRA's low-rank
/// products; attention's per-head products), as the layers call `BLAS.gemm`: row-major, x · Wᵀ
/// for a Linear with W [out, in] (x · W for GPT-2's Conv1D), with how often each runs per step.
enum GEMMStepShapes {
  struct Shape {
    var name: String
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    /// Products of this shape per training step.
    var count: Int
    /// A per-(batch, head) product, run on one thread with the heads in parallel.
    var perHead = false
  }

  static let configs = ["b32", "b16", "l14", "vit-gpt2"]

  static func shapes(config: String, batch: Int, textLength: Int, rank: Int) -> [Shape] {
    if config == "vit-gpt2" { return captioner(batch: batch, captionLength: textLength, rank: rank) }
    let c = CLIPConfig.preset(config)!
    return tower("vision", rows: batch * c.vision.tokenCount, tokens: c.vision.tokenCount, hidden: c.vision.hiddenSize,
                 mlp: c.vision.intermediateSize, layers: c.vision.numHiddenLayers, heads: c.vision.numAttentionHeads,
                 batch: batch, rank: rank)
      + tower("text", rows: batch * textLength, tokens: textLength, hidden: c.text.hiddenSize, mlp: c.text.intermediateSize,
              layers: c.text.numHiddenLayers, heads: c.text.numAttentionHeads, batch: batch, rank: rank)
  }

  /// A CLIP encoder tower: q, k, v, out_proj (hidden → hidden), fc1, fc2, each forward, dx and dW,
  /// LoRA on all six, and the attention products.
  static func tower(_ name: String, rows: Int, tokens: Int, hidden: Int, mlp: Int, layers: Int, heads: Int, batch: Int,
                    rank: Int) -> [Shape] {
    linear("\(name) q/k/v/out", rows: rows, in: hidden, out: hidden, count: 4 * layers, rank: rank)
      + linear("\(name) fc1", rows: rows, in: hidden, out: mlp, count: layers, rank: rank)
      + linear("\(name) fc2", rows: rows, in: mlp, out: hidden, count: layers, rank: rank)
      + attention(name, tokens: tokens, keys: tokens, headDim: hidden / heads, count: batch * heads * layers)
  }

  /// y = x Wᵀ [rows, out]; dx = dy W [rows, in]; dW = dyᵀ x [out, in]; LoRA's h = x Aᵀ, y += h Bᵀ,
  /// dB = dyᵀ h, dh = dy B, dA = dhᵀ x, dx += dh A.
  static func linear(_ name: String, rows: Int, in i: Int, out o: Int, count: Int, rank r: Int) -> [Shape] {
    [Shape(name: "\(name) forward", m: rows, n: o, k: i, transB: true, count: count),
     Shape(name: "\(name) dx", m: rows, n: i, k: o, count: count),
     Shape(name: "\(name) dW", m: o, n: i, k: rows, transA: true, count: count),
     Shape(name: "\(name) LoRA x·Aᵀ", m: rows, n: r, k: i, transB: true, count: count),
     Shape(name: "\(name) LoRA h·Bᵀ", m: rows, n: o, k: r, transB: true, count: count),
     Shape(name: "\(name) LoRA dB", m: o, n: r, k: rows, transA: true, count: count),
     Shape(name: "\(name) LoRA dy·B", m: rows, n: r, k: o, count: count),
     Shape(name: "\(name) LoRA dA", m: r, n: i, k: rows, transA: true, count: count),
     Shape(name: "\(name) LoRA dh·A", m: rows, n: i, k: r, count: count)]
  }

  /// Per head: S = Q Kᵀ, O = P V; backward dP = dO Vᵀ, dV = Pᵀ dO, dQ = dS K, dK = dSᵀ Q.
  static func attention(_ name: String, tokens t: Int, keys tk: Int, headDim d: Int, count: Int) -> [Shape] {
    [Shape(name: "\(name) attention Q·Kᵀ", m: t, n: tk, k: d, transB: true, count: count, perHead: true),
     Shape(name: "\(name) attention P·V", m: t, n: d, k: tk, count: count, perHead: true),
     Shape(name: "\(name) attention dO·Vᵀ", m: t, n: tk, k: d, transB: true, count: count, perHead: true),
     Shape(name: "\(name) attention Pᵀ·dO", m: tk, n: d, k: t, transA: true, count: count, perHead: true),
     Shape(name: "\(name) attention dS·K", m: t, n: d, k: tk, count: count, perHead: true),
     Shape(name: "\(name) attention dSᵀ·Q", m: tk, n: d, k: t, transA: true, count: count, perHead: true)]
  }

  /// nlpconnect/vit-gpt2-image-captioning: a ViT-B/16 encoder (197 tokens, 768 wide, 12 layers) and
  /// GPT-2 small with cross-attention (12 layers, 768 wide, vocabulary 50257), captions of
  /// `captionLength` tokens plus EOS. Conv1D's y = x W is the same GEMM as x Wᵀ with W transposed;
  /// it is listed with the Linear layout.
  static func captioner(batch: Int, captionLength: Int, rank: Int) -> [Shape] {
    let vit = tower("ViT", rows: batch * 197, tokens: 197, hidden: 768, mlp: 3072, layers: 12, heads: 12, batch: batch, rank: rank)
    let rows = batch * (captionLength + 1), encoderRows = batch * 197
    return vit
      + linear("GPT-2 c_attn", rows: rows, in: 768, out: 2304, count: 12, rank: rank)
      + linear("GPT-2 c_proj (attention)", rows: rows, in: 768, out: 768, count: 24, rank: rank)
      + linear("GPT-2 cross q_attn", rows: rows, in: 768, out: 768, count: 12, rank: rank)
      + linear("GPT-2 cross c_attn (keys)", rows: encoderRows, in: 768, out: 1536, count: 12, rank: rank)
      + linear("GPT-2 c_fc", rows: rows, in: 768, out: 3072, count: 12, rank: rank)
      + linear("GPT-2 c_proj (MLP)", rows: rows, in: 3072, out: 768, count: 12, rank: rank)
      + attention("GPT-2 self", tokens: captionLength + 1, keys: captionLength + 1, headDim: 64, count: batch * 12 * 12)
      + attention("GPT-2 cross", tokens: captionLength + 1, keys: 197, headDim: 64, count: batch * 12 * 12)
      + [Shape(name: "GPT-2 lm_head forward", m: rows, n: 50257, k: 768, transB: true, count: 1),
         Shape(name: "GPT-2 lm_head dx", m: rows, n: 768, k: 50257, count: 1)]
  }
}
