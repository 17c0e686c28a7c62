import Tensors

/// A ViT patch embedding: `nn.Conv2d(channels, C, kernel_size: p, stride: p)` without padding,
/// done as im2col + GEMM. Each p×p patch (all channels) is one row of the im2col matrix, ordered
/// (channel, ky, kx) like the conv weight, so
///
///     patches = columns · Wᵀ + b     columns: [B·gh·gw, ch·p·p], W: [C, ch·p·p]
///
/// pixels: [B, ch, H, W] → [B, gh·gw, C] with gh = H/p, gw = W/p, patches in raster order (what
/// transformers' `projection(x).flatten(2).transpose(1, 2)` gives). W: [C, ch, p, p] (HF conv
/// layout), b: [C] (optional: CLIP has none, ViT has one).
///
/// Backward from d[B, gh·gw, C]: dW (+)= dᵀ · columns, db += Σ_rows d. There is no pixel gradient.
public final class PatchEmbedding: ParameterContainer {
  public let weight: Parameter  // [C, ch, p, p]
  public let bias: Parameter?   // [C]
  /// Training-forward state: the im2col columns (kept only when the weight trains) and the rows.
  private var cache: (columns: Tensor?, rows: Int)?

  /// A zero-initialised layer named `prefix` (parameters `prefix.weight`, `prefix.bias`).
  public init(_ prefix: String, channels: Int, dim: Int, patchSize: Int, bias: Bool = true) {
    precondition(channels > 0 && dim > 0 && patchSize > 0, "patch embedding: sizes must be positive")
    weight = Parameter("\(prefix).weight", Tensor(zeros: [dim, channels, patchSize, patchSize]))
    self.bias = bias ? Parameter("\(prefix).bias", Tensor(zeros: [dim])) : nil
  }

  /// C, the embedding width.
  public var dim: Int { weight.shape[0] }
  /// Input channels.
  public var channels: Int { weight.shape[1] }
  /// p, the kernel size and stride.
  public var patchSize: Int { weight.shape[2] }
  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  /// Why `pixels` cannot go through this layer (not [B, ch, H, W] with H and W multiples of p), or nil.
  public func inputProblem(_ pixels: Tensor) -> String? {
    let s = pixels.shape, p = patchSize
    guard s.count == 4, s[1] == channels else {
      return "\(weight.name): pixels must be [B, \(channels), H, W], got \(s)"
    }
    guard s[2] > 0, s[3] > 0, s[2] % p == 0, s[3] % p == 0 else {
      return "\(weight.name): image size \(s[2])×\(s[3]) is not a positive multiple of the patch size \(p)"
    }
    return nil
  }

  /// pixels: [B, ch, H, W] → [B, (H/p)·(W/p), C]. With `training` and a trainable weight, keeps the
  /// im2col columns for the weight gradient.
  public func forward(_ pixels: Tensor, training: Bool = false) -> Tensor {
    if let problem = inputProblem(pixels) { preconditionFailure(problem) }
    let b = pixels.shape[0], ch = channels, h = pixels.shape[2], w = pixels.shape[3], p = patchSize
    let gh = h / p, gw = w / p, c = dim, patchLen = ch * p * p, rows = b * gh * gw
    // im2col: [B·gh·gw, ch·p·p], each row ordered (channel, ky, kx) like the conv weight.
    var columns = Tensor(zeros: [rows, patchLen])
    pixels.data.withUnsafeBufferPointer { src in
      columns.data.withUnsafeMutableBufferPointer { dst in
        let sp = UnsafeSendable(src.baseAddress!), dp = UnsafeSendable(dst.baseAddress!)
        Parallel.forEach(rows, grain: 16) { range in
          for row in range {
            let img = row / (gh * gw), gy = (row % (gh * gw)) / gw, gx = row % gw
            var out = dp.pointer + row * patchLen
            for cc in 0..<ch {
              for ky in 0..<p {
                let from = sp.pointer + ((img * ch + cc) * h + gy * p + ky) * w + gx * p
                out.update(from: from, count: p)
                out += p
              }
            }
          }
        }
      }
    }
    let patches = columns.matmul(transposed: weight.value.reshaped([c, patchLen]), bias: bias?.value)  // [B·g², C]
    cache = training ? (weight.trainable ? columns : nil, rows) : nil
    return patches.reshaped([b, gh * gw, c])
  }

  /// d: [B, g², C], the gradient of the output → gradients of the weight and bias when they train.
  public func backward(_ d: Tensor) {
    guard let (columns, rows) = cache else { preconditionFailure("\(weight.name): backward without a training forward") }
    cache = nil
    let c = dim
    precondition(d.count == rows * c, "\(weight.name): gradient \(d.shape) for \(rows) patches of \(c)")
    d.data.withUnsafeBufferPointer { dp in
      if weight.trainable {
        guard let columns else { preconditionFailure("\(weight.name): weight became trainable after the forward") }
        let patchLen = columns.shape[1]
        columns.data.withUnsafeBufferPointer { cp in
          weight.writeOrAccumulateGradient { g, beta in  // dW (+)= dᵀ [C, rows] · columns [rows, patchLen]
            BLAS.gemm(transA: true, m: c, n: patchLen, k: rows, a: dp.baseAddress!, lda: c, b: cp.baseAddress!,
                      ldb: patchLen, beta: beta, c: g, ldc: patchLen)
          }
        }
      }
      if let bias, bias.trainable {
        bias.accumulateGradient { db in  // db += Σ_rows d
          for r in 0..<rows { for j in 0..<c { db[j] += dp[r * c + j] } }
        }
      }
    }
  }
}
