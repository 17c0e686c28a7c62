import Foundation
import Tensors

/// The (β, α) grid of Tip-Adapter's `search_hp`:
///
///     β_i = i · (betaScale − 0.1) / betaSteps + 0.1,    i = 0 ..< betaSteps
///     α_j = j · (alphaScale − 0.1) / alphaSteps + 0.1,  j = 0 ..< alphaSteps
///
/// (the scale itself is never reached). The official configs all use `search_step: [200, 20]`;
/// `search_scale` is per dataset — [7, 3] for ImageNet, Oxford Pets and UCF101 (the defaults
/// here), [12, 5] Caltech101, [13, 13] DTD, [12, 10] EuroSAT and SUN397, [30, 30] FGVC Aircraft,
/// [10, 10] Food101, [50, 50] Flowers102, [20, 10] Stanford Cars.
public struct TipAdapterSearchGrid: Codable, Equatable, Sendable {
  public var betaScale: Double = 7, alphaScale: Double = 3
  public var betaSteps: Int = 200, alphaSteps: Int = 20

  public init(betaScale: Double = 7, alphaScale: Double = 3, betaSteps: Int = 200, alphaSteps: Int = 20) {
    self.betaScale = betaScale
    self.alphaScale = alphaScale
    self.betaSteps = betaSteps
    self.alphaSteps = alphaSteps
  }

  /// β values in search order (the outer loop).
  public var betas: [Double] { (0..<max(betaSteps, 0)).map { Double($0) * (betaScale - 0.1) / Double(betaSteps) + 0.1 } }
  /// α values in search order (the inner loop).
  public var alphas: [Double] { (0..<max(alphaSteps, 0)).map { Double($0) * (alphaScale - 0.1) / Double(alphaSteps) + 0.1 } }

  enum CodingKeys: String, CodingKey {
    case betaScale = "beta_scale", alphaScale = "alpha_scale", betaSteps = "beta_steps", alphaSteps = "alpha_steps"
  }
}

/// The best (β, α) of a search and its validation accuracy.
public struct TipAdapterSearchResult: Codable, Equatable, Sendable {
  public var beta: Double, alpha: Double
  /// Validation samples predicted correctly at (β, α).
  public var correct: Int
  /// 100 · correct / validation samples.
  public var validationAccuracy: Double

  public init(beta: Double, alpha: Double, correct: Int, validationAccuracy: Double) {
    self.beta = beta
    self.alpha = alpha
    self.correct = correct
    self.validationAccuracy = validationAccuracy
  }

  enum CodingKeys: String, CodingKey {
    case beta, alpha, correct
    case validationAccuracy = "validation_accuracy"
  }
}

extension TipAdapter {
  /// Tip-Adapter's `search_hp` on validation features [N, D] (normalised here) and labels: β in
  /// the outer loop, α in the inner one, keeping a setting only when its top-1 accuracy is strictly
  /// higher than the best so far — so ties go to the first setting found. Like the official code,
  /// the best starts at accuracy 0 with β = α = 0: if no setting classifies anything correctly, that
  /// (zero-shot) setting is returned. Predictions rank equal logits by the lower class index.
  /// (The affinity is computed once and the cache once per β; each α reuses them — the same values
  /// the official loop recomputes.) Throws `PEFTError` for input that does not fit or an empty grid.
  public func search(validation features: Tensor, labels: [Int],
                     grid: TipAdapterSearchGrid = TipAdapterSearchGrid()) throws -> TipAdapterSearchResult {
    let f = try normalizedFeatures(features)
    try FeatureInputs.checkLabels(labels, rows: f.shape[0], classes: classes, "validation labels")
    guard grid.betaSteps > 0 && grid.alphaSteps > 0 else {
      throw PEFTError("the search grid needs at least one beta and one alpha, got \(grid.betaSteps) × \(grid.alphaSteps)")
    }
    guard grid.betaScale.isFinite && grid.alphaScale.isFinite else { throw PEFTError("the search scales must be finite") }
    let n = f.shape[0], c = classes
    let zeroShot = zeroShotLogits(f), a = affinity(f)
    var best = TipAdapterSearchResult(beta: 0, alpha: 0, correct: 0, validationAccuracy: 0)
    var logits = [Float](repeating: 0, count: n * c)
    for beta in grid.betas {
      let cache = cacheLogits(a, beta: beta)
      for alpha in grid.alphas {
        let scale = Float(alpha)
        for i in logits.indices { logits[i] = zeroShot.data[i] + cache.data[i] * scale }
        let correct = FeatureInputs.hits(FeatureInputs.argmaxRows(logits, rows: n, columns: c), labels)
        if correct > best.correct {
          best = TipAdapterSearchResult(beta: beta, alpha: alpha, correct: correct,
                                        validationAccuracy: 100 * Double(correct) / Double(n))
        }
      }
    }
    return best
  }
}
