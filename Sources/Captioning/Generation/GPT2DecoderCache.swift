import Layers
import Tensors

/// What incremental decoding keeps between steps (inference only): per block, the self-attention
/// keys and values of every token fed so far, and the cross-attention keys and values of the encoder
/// states, computed once per generation (c_attn on e).
///
/// Rows are the sequences being decoded (beams × images); `rowImage[r]` is the image (encoder block)
/// row r attends to, so the beams of one image share that image's cross K/V by index instead of
/// copies. Self K/V: [rows, capacity, C] per block (position-major per row, heads interleaved as
/// c_attn emits them), filled up to `length`; cross K/V: [B, S, 2C] per block, c_attn's output as is.
public struct GPT2DecoderCache {
  /// Tokens cached per row (all rows advance together): the position id of the next token.
  public private(set) var length: Int
  /// Most tokens a row can hold (≤ the decoder's positions).
  public let capacity: Int
  /// The image each row attends to.
  public private(set) var rowImage: [Int]
  let dim: Int
  let encoderLength: Int
  var selfKeys: [[Float]]    // per block: [rowSlots, capacity, C]
  var selfValues: [[Float]]
  let crossKV: [[Float]]     // per block: [B, S, 2C] = [k | v]
  private var scratch: [Float] = []

  public var rows: Int { rowImage.count }

  init(rowImage: [Int], capacity: Int, dim: Int, layers: Int, crossKV: [[Float]], encoderLength: Int) {
    length = 0
    self.capacity = capacity
    self.rowImage = rowImage
    self.dim = dim
    self.encoderLength = encoderLength
    let size = rowImage.count * capacity * dim
    selfKeys = Array(repeating: [Float](repeating: 0, count: size), count: layers)
    selfValues = selfKeys
    self.crossKV = crossKV
  }

  /// Keeps the rows `rows` (indices into the current rows, repeats allowed), in that order: beam
  /// reordering, or dropping the rows of finished sequences. Copies only the cached tokens.
  public mutating func reorder(rows selected: [Int]) {
    precondition(selected.allSatisfy { $0 >= 0 && $0 < rows }, "GPT-2 cache: reorder to a row that does not exist")
    if selected == Array(0..<rows) { return }
    let stride = capacity * dim, used = length * dim
    let needed = Swift.max(selected.count, rows) * stride
    for layer in selfKeys.indices {
      for which in 0..<2 {
        if scratch.count < needed { scratch = [Float](repeating: 0, count: needed) }
        var buffer = which == 0 ? selfKeys[layer] : selfValues[layer]
        if buffer.count < needed { buffer += [Float](repeating: 0, count: needed - buffer.count) }
        buffer.withUnsafeBufferPointer { src in
          scratch.withUnsafeMutableBufferPointer { dst in
            for (to, from) in selected.enumerated() where used > 0 {
              (dst.baseAddress! + to * stride).update(from: src.baseAddress! + from * stride, count: used)
            }
          }
        }
        swap(&buffer, &scratch)  // the reordered rows become the cache; the old buffer the next scratch
        if which == 0 { selfKeys[layer] = buffer } else { selfValues[layer] = buffer }
      }
    }
    rowImage = selected.map { rowImage[$0] }
  }

  mutating func advance() { length += 1 }
}

extension GPT2Decoder {
  /// A cache for decoding `rowsPerImage` rows per image of the encoder states e [B, S, C] (row r
  /// attends to image r / rowsPerImage), holding up to `capacity` tokens (default: every position).
  /// Computes every block's cross-attention K/V, [k | v] = c_attn(e), once.
  public func makeCache(encoderStates: Tensor, rowsPerImage: Int = 1, capacity: Int? = nil) -> GPT2DecoderCache {
    precondition(encoderStates.rank == 3 && encoderStates.shape[2] == dim,
                 "GPT-2 decoder: encoder states must be [B, S, \(dim)], got \(encoderStates.shape)")
    precondition(rowsPerImage >= 1, "GPT-2 decoder: rowsPerImage must be at least 1")
    let b = encoderStates.shape[0], capacity = Swift.min(capacity ?? positionEmbedding.count, positionEmbedding.count)
    let crossKV: [[Float]] = blocks.map { block in
      guard let cross = block.crossAttention else { return [] }
      return cross.cAttn.forward(encoderStates).data  // [B, S, 2C]
    }
    return GPT2DecoderCache(rowImage: (0..<(b * rowsPerImage)).map { $0 / rowsPerImage }, capacity: capacity, dim: dim,
                            layers: blocks.count, crossKV: crossKV, encoderLength: encoderStates.shape[1])
  }

  /// One decoding step: ids [R] (one new token per cache row, at position `cache.length`) → logits
  /// [R, V] of the next token, the same as the last position of `forward` on each row's tokens.
  /// Appends the tokens' self-attention K/V to the cache.
  ///
  /// Per block: q, k, v = c_attn(ln_1(x)) as one GEMM over all rows; k, v appended; each row's query
  /// attends over its cached keys per head; then the cross-attention query q_attn(ln_cross_attn(h))
  /// over its image's cached encoder K/V, and the MLP, with the residuals of `GPT2Block.forward`.
  public func step(_ ids: [Int], cache: inout GPT2DecoderCache) -> Tensor {
    let r = cache.rows, c = dim, t = cache.length, v = vocabulary
    precondition(ids.count == r, "GPT-2 decoder step: \(ids.count) ids for \(r) cache rows")
    precondition(t < cache.capacity, "GPT-2 decoder step: the cache is full (\(cache.capacity) tokens)")
    var x = tokenEmbedding.forward(ids)  // [R, C]
    positionEmbedding.weight.value.data.withUnsafeBufferPointer { wpe in
      x.data.withUnsafeMutableBufferPointer { xp in
        for row in 0..<r { for j in 0..<c { xp[row * c + j] += wpe[t * c + j] } }
      }
    }
    let stride = cache.capacity * c
    let selfSource = Array(0..<r)
    for (layer, block) in blocks.enumerated() {
      let attention = block.attention, heads = attention.heads, dh = attention.headDim
      let scale = 1 / Float(dh).squareRoot()
      let qkv = Self.project(attention.cAttn, block.ln1.forward(x))  // [R, 3C]
      qkv.data.withUnsafeBufferPointer { src in
        cache.selfKeys[layer].withUnsafeMutableBufferPointer { kp in
          cache.selfValues[layer].withUnsafeMutableBufferPointer { vp in
            for row in 0..<r {
              (kp.baseAddress! + row * stride + t * c).update(from: src.baseAddress! + row * 3 * c + c, count: c)
              (vp.baseAddress! + row * stride + t * c).update(from: src.baseAddress! + row * 3 * c + 2 * c, count: c)
            }
          }
        }
      }
      var context = Tensor(uninitialized: [r, c])
      qkv.data.withUnsafeBufferPointer { qp in
        cache.selfKeys[layer].withUnsafeBufferPointer { kp in
          cache.selfValues[layer].withUnsafeBufferPointer { vp in
            context.data.withUnsafeMutableBufferPointer { op in
              // q of row r at qp + r·3C: a [R, C] view with row stride 3C, gathered first.
              var q = [Float](repeating: 0, count: r * c)
              for row in 0..<r { for j in 0..<c { q[row * c + j] = qp[row * 3 * c + j] } }
              q.withUnsafeBufferPointer { qb in
                DecodeAttention.forward(q: qb.baseAddress!, k: kp.baseAddress!, v: vp.baseAddress!, out: op.baseAddress!,
                                        rows: r, keys: t + 1, heads: heads, headDim: dh, keyStride: c, blockStride: stride,
                                        scale: scale, source: selfSource)
              }
            }
          }
        }
      }
      x.add(Self.project(attention.cProj, context))
      if let cross = block.crossAttention, let lnCross = block.lnCross, let qAttn = cross.qAttn {
        let q = Self.project(qAttn, lnCross.forward(x))  // [R, C]
        let s = cache.encoderLength
        var crossContext = Tensor(uninitialized: [r, c])
        q.data.withUnsafeBufferPointer { qp in
          cache.crossKV[layer].withUnsafeBufferPointer { kv in
            crossContext.data.withUnsafeMutableBufferPointer { op in
              DecodeAttention.forward(q: qp.baseAddress!, k: kv.baseAddress!, v: kv.baseAddress! + c, out: op.baseAddress!,
                                      rows: r, keys: s, heads: cross.heads, headDim: cross.headDim, keyStride: 2 * c,
                                      blockStride: s * 2 * c, scale: 1 / Float(cross.headDim).squareRoot(),
                                      source: cache.rowImage)
            }
          }
        }
        x.add(Self.project(cross.cProj, crossContext))
      }
      var hidden = Self.project(block.mlp.fc1, block.ln2.forward(x))  // [R, I]
      let count = hidden.count
      hidden.data.withUnsafeMutableBufferPointer { block.mlp.activation.apply($0.baseAddress!, count: count) }
      x.add(Self.project(block.mlp.fc2, hidden))
    }
    cache.advance()
    let h = finalLayerNorm.forward(x)  // [R, C]
    var logits = Tensor(uninitialized: [r, v])
    h.data.withUnsafeBufferPointer { hp in
      tokenEmbedding.weight.value.data.withUnsafeBufferPointer { wp in
        logits.data.withUnsafeMutableBufferPointer { lp in
          if r <= DecodeGEMM.maxRows {
            DecodeGEMM.xwt(x: hp.baseAddress!, rows: r, k: c, w: wp.baseAddress!, n: v, y: lp.baseAddress!)
          } else {
            BLAS.gemm(transB: true, m: r, n: v, k: c, a: hp.baseAddress!, lda: c, b: wp.baseAddress!, ldb: c,
                      c: lp.baseAddress!, ldc: v)
          }
        }
      }
    }
    return logits
  }

  /// layer(x) for x [R, in]: a plain Conv1D with few rows through `DecodeGEMM` (weights streamed
  /// once), anything else (more rows, a PEFT wrapper) through the layer's own forward.
  static func project(_ layer: LinearLayer, _ x: Tensor) -> Tensor {
    let rows = x.count / layer.inFeatures
    guard let conv = layer as? Conv1D, rows <= DecodeGEMM.maxRows else { return layer.forward(x) }
    var y = Tensor(uninitialized: [rows, conv.outFeatures])
    x.data.withUnsafeBufferPointer { xp in
      conv.weight.value.data.withUnsafeBufferPointer { wp in
        conv.bias.value.data.withUnsafeBufferPointer { bp in
          y.data.withUnsafeMutableBufferPointer { yp in
            DecodeGEMM.xw(x: xp.baseAddress!, rows: rows, k: conv.inFeatures, w: wp.baseAddress!, n: conv.outFeatures,
                          bias: bp.baseAddress!, y: yp.baseAddress!)
          }
        }
      }
    }
    return y
  }
}
