import Foundation
import Layers
import Tensors

/// Tip-Adapter-F: Tip-Adapter with the cache keys trainable (the values and the zero-shot
/// classifier stay frozen). The official `run_tip_adapter_F` wraps the keys in
/// `nn.Linear(D, NK, bias=False)` whose weight starts as the cache keys, so the parameter is named
/// `adapter.weight`, [NK, D]. For L2-normalised features f [B, D] and labels y:
///
///     A = f Kᵀ,   E = exp(−(β − β·A)),   logits = 100 · f Wᵀ + α · E V
///     L = (1/B) Σ_b −log softmax(logits_b)_{y_b}                     (F.cross_entropy)
///
///     G = ∂L/∂logits = (softmax(logits) − Y) / B
///     ∂L/∂E = α · G Vᵀ   (entry [b, k] = α · G[b, label_k])
///     ∂L/∂A = β · E ⊙ ∂L/∂E
///     ∂L/∂K = (∂L/∂A)ᵀ f                                               [NK, D]
///
/// As in the official code: training uses the fixed initial α, β of the config (`init_alpha`,
/// `init_beta`); the 100 · f Wᵀ term keeps its fixed scale and gets no gradient; the keys are
/// *not* re-normalised during or after training (only the image features are normalised, before
/// the adapter); after training `search_hp` runs on the trained keys (`adapter`). The official
/// optimiser is AdamW (lr 1e-3, eps 1e-4, weight decay 0.01) with a cosine schedule over
/// `train_epoch` epochs of batch 256 — any `Optimizer` over `parameters` can drive this.
///
/// Training protocol as the layers: `forward(f, training: true)` keeps what backward needs,
/// `backward(dLogits)` consumes it and adds into `adapter.weight.grad`.
public final class TipAdapterF: ParameterContainer {
  /// The trainable keys K, [NK, D], named `adapter.weight`.
  public let keys: Parameter
  public let keyLabels: [Int]
  /// W, [C, D], frozen.
  public let classifier: Tensor
  /// α, β used in training (the official `init_alpha`, `init_beta`).
  public var alpha: Double, beta: Double
  private var cached: (features: Tensor, exponentials: Tensor)?

  /// Keys initialised from `cache.keys`.
  public init(_ cache: TipAdapter, alpha: Double, beta: Double) throws {
    guard alpha.isFinite && beta.isFinite else { throw PEFTError("alpha and beta must be finite, got \(alpha), \(beta)") }
    keys = Parameter("adapter.weight", cache.keys)
    keyLabels = cache.keyLabels
    classifier = cache.classifier
    self.alpha = alpha
    self.beta = beta
  }

  public var parameters: [Parameter] { [keys] }
  public var classes: Int { classifier.shape[0] }

  /// The cache model with the current (trained) keys, for `search` and evaluation.
  public var adapter: TipAdapter {
    get throws { try TipAdapter(keys: keys.value, labels: keyLabels, classifier: classifier) }
  }

  /// Logits [B, C] for features [B, D] (L2-normalised here). `training` keeps the normalised
  /// features and E for `backward`. Throws `PEFTError` for features that do not fit.
  public func forward(_ features: Tensor, training: Bool) throws -> Tensor {
    let model = try adapter
    let f = try model.normalizedFeatures(features)
    let a = model.affinity(f)
    var e = a
    let b = Float(beta)
    for i in e.data.indices { e.data[i] = Foundation.exp(-(b - b * a.data[i])) }
    cached = training && keys.trainable ? (f, e) : nil
    var logits = model.zeroShotLogits(f)
    let nk = keyLabels.count, c = classes, scale = Float(alpha)
    for r in 0..<f.shape[0] {
      var sums = [Double](repeating: 0, count: c)
      for k in 0..<nk { sums[keyLabels[k]] += Double(e.data[r * nk + k]) }
      for j in 0..<c { logits.data[r * c + j] += Float(sums[j]) * scale }
    }
    return logits
  }

  /// dLogits [B, C] → adds ∂L/∂K into `keys.grad`. Needs a preceding training forward.
  public func backward(_ dLogits: Tensor) {
    guard keys.trainable else { return }
    guard let (f, e) = cached else { preconditionFailure("adapter.weight: backward without a training forward") }
    let rows = f.shape[0], nk = keyLabels.count, c = classes, d = f.shape[1]
    precondition(dLogits.shape == [rows, c], "dLogits \(dLogits.shape) for \(rows) × \(c) logits")
    var dA = e   // [B, NK]: β · E ⊙ (α · G[b, label_k])
    let scale = Float(alpha * beta)
    for r in 0..<rows {
      for k in 0..<nk { dA.data[r * nk + k] = scale * e.data[r * nk + k] * dLogits.data[r * c + keyLabels[k]] }
    }
    dA.data.withUnsafeBufferPointer { g in
      f.data.withUnsafeBufferPointer { x in
        keys.writeOrAccumulateGradient { dk, accumulate in   // dK (+)= dAᵀ · f   [NK, D]
          BLAS.gemm(transA: true, m: nk, n: d, k: rows, a: g.baseAddress!, lda: nk, b: x.baseAddress!, ldb: d,
                    beta: accumulate, c: dk, ldc: d)
        }
      }
    }
    cached = nil
  }

  /// One training step's loss: forward, mean cross-entropy over the batch, backward (adds
  /// ∂L/∂K into `keys.grad`). Returns the loss and the logits. Throws `PEFTError` for features or
  /// labels that do not fit.
  public func crossEntropyStep(features: Tensor, labels: [Int]) throws -> (loss: Double, logits: Tensor) {
    let logits = try forward(features, training: true)
    let rows = logits.shape[0], c = classes
    do { try FeatureInputs.checkLabels(labels, rows: rows, classes: c, "labels") } catch { cached = nil; throw error }
    var dLogits = Tensor(zeros: [rows, c])
    var total = 0.0
    for r in 0..<rows {
      let z = logits.data[(r * c)..<((r + 1) * c)].map(Double.init)
      let top = z.max()!
      let logSum = top + log(z.reduce(0) { $0 + exp($1 - top) })
      total += logSum - z[labels[r]]
      for j in 0..<c { dLogits.data[r * c + j] = Float((exp(z[j] - logSum) - (j == labels[r] ? 1 : 0)) / Double(rows)) }
    }
    backward(dLogits)
    return (total / Double(rows), logits)
  }
}
