import Foundation
import Tensors

/// Tip-Adapter's training-free cache model (R. Zhang et al., "Tip-Adapter: Training-free
/// Adaption of CLIP for Few-shot Classification", ECCV 2022; github.com/gaopengcuhk/Tip-Adapter).
///
/// Keys K [NK, D] are the L2-normalised few-shot training features, values V [NK, C] their one-hot
/// labels. For L2-normalised features f [N, D] and the zero-shot classifier W [C, D]:
///
///     A = f Kᵀ                                  affinity, [N, NK]
///     cache = exp(−(β − β·A)) V                 = exp(−β(1 − A)) V, [N, C]
///     logits = 100 · f Wᵀ + α · cache
///
/// as the official `run_tip_adapter` computes it (that expression order; the 100 is a fixed scale,
/// not the model's learnt logit scale). The official code builds the keys from `augment_epoch` (10)
/// augmented passes over the few-shot images, averaged and then normalised: pass that average as
/// `trainFeatures`. It runs in fp16 on a GPU; this runs in Float32 (sums of the cache in Double).
public struct TipAdapter: Sendable {
  /// K, [NK, D] (unit rows when built from training features).
  public var keys: Tensor
  /// The class of each key (the one-hot rows of V).
  public var keyLabels: [Int]
  /// W, [C, D], used as given (normalised text embeddings, e.g. `ZeroShot.classifier`).
  public var classifier: Tensor

  public var classes: Int { classifier.shape[0] }
  public var dim: Int { classifier.shape[1] }

  /// The cache of `trainFeatures` [NK, D] (rows L2-normalised here) with `labels` in 0..<C.
  /// Throws `PEFTError` for shapes or labels that do not fit and for non-finite values.
  public init(trainFeatures: Tensor, labels: [Int], classifier: Tensor) throws {
    try self.init(keys: trainFeatures, labels: labels, classifier: classifier)
    keys = keys.l2NormalizedRows()
  }

  /// A cache with `keys` [NK, D] used as given, e.g. the trained keys of Tip-Adapter-F (which the
  /// official code does not re-normalise).
  public init(keys: Tensor, labels: [Int], classifier: Tensor) throws {
    try FeatureInputs.checkMatrix(classifier, "zero-shot classifier")
    try FeatureInputs.check(keys, labels, classes: classifier.shape[0], dim: classifier.shape[1], "cache")
    self.keys = keys
    keyLabels = labels
    self.classifier = classifier
  }

  /// Tip-Adapter logits for features [N, D] (L2-normalised here, as the official code
  /// pre-normalises its validation and test features). Throws `PEFTError` for a shape that does not
  /// fit, non-finite features or non-finite α, β.
  public func logits(_ features: Tensor, alpha: Double, beta: Double) throws -> Tensor {
    guard alpha.isFinite && beta.isFinite else { throw PEFTError("alpha and beta must be finite, got \(alpha), \(beta)") }
    let f = try normalizedFeatures(features)
    var out = zeroShotLogits(f)
    let cache = cacheLogits(affinity(f), beta: beta)
    for i in out.data.indices { out.data[i] += Float(alpha) * cache.data[i] }
    return out
  }

  /// Validated, L2-normalised features.
  func normalizedFeatures(_ features: Tensor) throws -> Tensor {
    try FeatureInputs.checkMatrix(features, "features")
    guard features.shape[1] == dim else {
      throw PEFTError("features are \(features.shape[1])-dimensional, the cache holds \(dim)-dimensional keys")
    }
    return features.l2NormalizedRows()
  }

  /// 100 · f Wᵀ, [N, C].
  func zeroShotLogits(_ f: Tensor) -> Tensor {
    var z = f.matmul(transposed: classifier)
    z.scale(by: 100)
    return z
  }

  /// A = f Kᵀ, [N, NK].
  func affinity(_ f: Tensor) -> Tensor { f.matmul(transposed: keys) }

  /// exp(−(β − β·A)) V, [N, C]; V one-hot, so each class sums the exponentials of its keys.
  func cacheLogits(_ affinity: Tensor, beta: Double) -> Tensor {
    let n = affinity.shape[0], nk = affinity.shape[1], c = classes, b = Float(beta)
    var out = Tensor(zeros: [n, c])
    affinity.data.withUnsafeBufferPointer { a in
      out.data.withUnsafeMutableBufferPointer { o in
        let (ap, op) = (UnsafeSendable(a.baseAddress!), UnsafeSendable(o.baseAddress!))
        Parallel.forEach(n, grain: max(1, 4096 / max(nk, 1))) { rows in
          var sums = [Double](repeating: 0, count: c)
          for i in rows {
            for j in 0..<c { sums[j] = 0 }
            for k in 0..<nk { sums[keyLabels[k]] += Double(Foundation.exp(-(b - b * ap.pointer[i * nk + k]))) }
            for j in 0..<c { op.pointer[i * c + j] = Float(sums[j]) }
          }
        }
      }
    }
    return out
  }
}
