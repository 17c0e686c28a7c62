import Foundation
import Tensors

/// CLIP's symmetric contrastive loss, exactly as transformers' `CLIPModel(..., return_loss=True)`
/// computes it from the projected (not yet normalised) features:
///
///     image_n = image / ‖image‖,  text_n = text / ‖text‖           (rows; no epsilon, like transformers)
///     logits_per_text  = (text_n · image_nᵀ) · exp(logit_scale)    [B, B]
///     logits_per_image = logits_per_textᵀ
///     loss = (CE(logits_per_text, 0..<B) + CE(logits_per_image, 0..<B)) / 2   (each CE a batch mean)
///
/// Row i of the text and image batches is a matching pair. `lossAndGradients` also returns the
/// gradients of the loss with respect to both embedding batches (through the normalisation) and
/// the logit scale (the log-temperature parameter, `logit_scale` in HF checkpoints).
public enum ContrastiveLoss {
  /// The loss, its logits and its gradients.
  public struct Result: Sendable {
    /// The mean of the text→image and image→text cross-entropies.
    public var loss: Float
    /// Row i: text i against every image, scaled by exp(logit scale).   [B, B]
    public var logitsPerText: Tensor
    /// ∂loss/∂imageEmbeds   [B, D]
    public var imageEmbedsGradient: Tensor
    /// ∂loss/∂textEmbeds   [B, D]
    public var textEmbedsGradient: Tensor
    /// ∂loss/∂logitScale (with respect to the log-scale itself, not exp of it).
    public var logitScaleGradient: Float
  }

  /// The loss alone (no gradients), e.g. for validation.
  /// imageEmbeds, textEmbeds: [B, D] with B ≥ 1; logitScale: the log of the logit multiplier.
  public static func loss(imageEmbeds: Tensor, textEmbeds: Tensor, logitScale: Float) -> Float {
    Forward(imageEmbeds: imageEmbeds, textEmbeds: textEmbeds, logitScale: logitScale).loss
  }

  /// The loss with its gradients with respect to `imageEmbeds`, `textEmbeds` and `logitScale`.
  /// imageEmbeds, textEmbeds: [B, D] with B ≥ 1.
  public static func lossAndGradients(imageEmbeds: Tensor, textEmbeds: Tensor, logitScale: Float) -> Result {
    let f = Forward(imageEmbeds: imageEmbeds, textEmbeds: textEmbeds, logitScale: logitScale)
    let (b, d) = (f.batch, f.dim)
    let s = f.logits.data
    // dS = (softmax over rows − I + softmax over columns − I) / (2B); d(logit scale) = Σ dS ∘ S.
    var dG = [Float](repeating: 0, count: b * b)  // ∂loss/∂(text_n · image_nᵀ) = dS · exp(scale)   [B, B]
    var dScale = 0.0
    let inv2B = 1 / (2 * Double(b))
    for i in 0..<b {
      for j in 0..<b {
        let x = Double(s[i * b + j])
        var g = Foundation.exp(x - f.rowLSE[i]) + Foundation.exp(x - f.columnLSE[j])
        if i == j { g -= 2 }
        g *= inv2B
        dScale += g * x
        dG[i * b + j] = Float(g * Double(f.scale))
      }
    }
    // Back through the product: dText_n = dG · image_n, dImage_n = dGᵀ · text_n.   [B, D]
    var dTextN = [Float](repeating: 0, count: b * d), dImageN = [Float](repeating: 0, count: b * d)
    dG.withUnsafeBufferPointer { g in
      f.imageN.withUnsafeBufferPointer { img in
        f.textN.withUnsafeBufferPointer { txt in
          dTextN.withUnsafeMutableBufferPointer { out in
            BLAS.gemm(m: b, n: d, k: b, a: g.baseAddress!, lda: b, b: img.baseAddress!, ldb: d,
                      c: out.baseAddress!, ldc: d)
          }
          dImageN.withUnsafeMutableBufferPointer { out in
            BLAS.gemm(transA: true, m: b, n: d, k: b, a: g.baseAddress!, lda: b, b: txt.baseAddress!, ldb: d,
                      c: out.baseAddress!, ldc: d)
          }
        }
      }
    }
    return Result(
      loss: f.loss, logitsPerText: f.logits,
      imageEmbedsGradient: Tensor(shape: [b, d], data: RowNormalization.backward(dImageN, normalized: f.imageN, norms: f.imageNorms, dim: d)),
      textEmbedsGradient: Tensor(shape: [b, d], data: RowNormalization.backward(dTextN, normalized: f.textN, norms: f.textNorms, dim: d)),
      logitScaleGradient: Float(dScale))
  }

  /// The forward pass, keeping what the gradients need.
  private struct Forward {
    let batch: Int, dim: Int
    let imageN: [Float], imageNorms: [Float]  // [B, D], [B]
    let textN: [Float], textNorms: [Float]    // [B, D], [B]
    let scale: Float                          // exp(logit scale)
    let logits: Tensor                        // logits_per_text   [B, B]
    let rowLSE: [Double], columnLSE: [Double] // log-sum-exp of each row / column of the logits
    let loss: Float

    init(imageEmbeds: Tensor, textEmbeds: Tensor, logitScale: Float) {
      precondition(imageEmbeds.rank == 2 && imageEmbeds.shape == textEmbeds.shape && imageEmbeds.shape[0] > 0,
                   "contrastive loss needs image and text embeddings of one shape [B, D], B ≥ 1; got \(imageEmbeds.shape) and \(textEmbeds.shape)")
      let (b, d) = (imageEmbeds.shape[0], imageEmbeds.shape[1])
      (batch, dim) = (b, d)
      let (imgN, imgNorms) = RowNormalization.forward(imageEmbeds.data, dim: d)
      let (txtN, txtNorms) = RowNormalization.forward(textEmbeds.data, dim: d)
      (imageN, imageNorms, textN, textNorms) = (imgN, imgNorms, txtN, txtNorms)
      let sc = Foundation.exp(logitScale)
      scale = sc
      // logits_per_text = (text_n · image_nᵀ) · exp(scale), rounded after the product like PyTorch.
      var g = Tensor(uninitialized: [b, b])
      txtN.withUnsafeBufferPointer { t in
        imgN.withUnsafeBufferPointer { i in
          g.data.withUnsafeMutableBufferPointer { c in
            BLAS.gemm(transB: true, m: b, n: b, k: d, a: t.baseAddress!, lda: d, b: i.baseAddress!, ldb: d,
                      c: c.baseAddress!, ldc: b)
          }
        }
      }
      for k in 0..<(b * b) { g.data[k] *= sc }
      logits = g
      rowLSE = LogSumExp.rows(g.data, rows: b, columns: b)
      columnLSE = LogSumExp.columns(g.data, rows: b, columns: b)
      var textToImage = 0.0, imageToText = 0.0
      for i in 0..<b {
        let diagonal = Double(g.data[i * b + i])
        textToImage += rowLSE[i] - diagonal
        imageToText += columnLSE[i] - diagonal
      }
      loss = Float((textToImage / Double(b) + imageToText / Double(b)) / 2)
    }
  }
}
