import Foundation

/// CIDEr as pycocoevalcap's `Cider()` computes it (`cider_scorer.py`; the CIDEr-D variant: clipped
/// tf-idf and a length penalty, n = 4, σ = 6), on tokenised captions.
///
/// Document frequency df(g) = number of images whose references contain the n-gram g (the
/// references of the evaluated set only); with N images, each caption's k-gram vector is
///     v_k(g) = tf(g) · (log N − log max(1, df(g))).
/// For hypothesis h and reference r, per k = 1…4,
///     sim_k = Σ_{g ∈ h} min(v_k^h(g), v_k^r(g)) · v_k^r(g) / (‖v_k^h‖ · ‖v_k^r‖)
/// (not divided when a norm is 0), times the penalty exp(−δ² / (2σ²)), where δ = ℓ_h − ℓ_r and
/// ℓ is, as pycocoevalcap counts it, the number of *bigrams* (max(0, words − 1)). The image's
/// score is 10 · mean_k Σ_r sim_k / m over its m references; CIDEr is the mean over images.
public enum CIDEr {
  /// Mean CIDEr and the per-image scores (hypotheses' order), for tokenised hypotheses and their
  /// references (same order; each image needs at least one reference).
  public static func score(hypotheses: [String], references: [[String]], n: Int = 4, sigma: Double = 6) -> (mean: Double, perImage: [Double]) {
    precondition(hypotheses.count == references.count, "one reference list per hypothesis")
    let tests = hypotheses.map { NGramCounts($0, n: n) }
    let refs = references.map { $0.map { NGramCounts($0, n: n) } }
    var df: [String: Double] = [:]
    for imageRefs in refs {
      var seen = Set<String>()
      for r in imageRefs { for k in 0..<n { seen.formUnion(r.counts[k].keys) } }
      for g in seen { df[g, default: 0] += 1 }
    }
    let logN = log(Double(refs.count))

    func vector(_ c: NGramCounts) -> (vec: [[String: Double]], norm: [Double], length: Int) {
      var vec = [[String: Double]](repeating: [:], count: n)
      var norm = [Double](repeating: 0, count: n)
      for k in 0..<n {
        for (g, tf) in c.counts[k] {
          let v = Double(tf) * (logN - log(max(1.0, df[g] ?? 0)))
          vec[k][g] = v
          norm[k] += v * v
        }
      }
      // pycocoevalcap adds the term frequencies of the n-grams with index n == 1, the bigrams.
      let length = n > 1 ? c.counts[1].values.reduce(0, +) : 0
      return (vec, norm.map { $0.squareRoot() }, length)
    }

    var scores: [Double] = []
    for (test, imageRefs) in zip(tests, refs) {
      precondition(!imageRefs.isEmpty, "an image without references")
      let (vh, nh, lh) = vector(test)
      var score = [Double](repeating: 0, count: n)
      for r in imageRefs {
        let (vr, nr, lr) = vector(r)
        let delta = Double(lh - lr)
        for k in 0..<n {
          var val = 0.0
          for (g, v) in vh[k] { let ref = vr[k][g] ?? 0; val += min(v, ref) * ref }
          if nh[k] != 0 && nr[k] != 0 { val /= nh[k] * nr[k] }
          val *= exp(-(delta * delta) / (2 * sigma * sigma))
          score[k] += val
        }
      }
      scores.append(score.reduce(0, +) / Double(n) / Double(imageRefs.count) * 10)
    }
    return (scores.reduce(0, +) / Double(max(scores.count, 1)), scores)
  }
}
