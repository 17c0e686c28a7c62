import Foundation

/// BLEU-1…4 as pycocoevalcap's `Bleu(4)` computes them (`bleu_scorer.py`, option "closest"), on
/// tokenised captions.
///
/// For each image, with hypothesis h and references r₁…r_m:
/// - clipped matches `correct_k = Σ_g min(count_h(g), max_j count_rj(g))` over h's k-grams g, and
///   `guess_k = max(0, |h| − k + 1)`;
/// - the reference length is the "closest": the |r_j| minimising `(| |r_j| − |h| |, |r_j|)`
///   (ties to the shorter reference).
///
/// Corpus BLEU-N sums `correct`, `guess`, |h| and the reference lengths over the images, then
///     BLEU-N = (Π_{k≤N} (correct_k + tiny) / (guess_k + small))^{1/N} · BP,
///     BP = exp(1 − 1/ratio) when ratio = (Σ|h| + tiny) / (Σ ref + small) < 1, else 1,
/// with pycocoevalcap's smoothing constants tiny = 1e-15 and small = 1e-9. Per-image BLEU is the
/// same formula on one image's counts.
public enum BLEU {
  /// pycocoevalcap's smoothing constant in numerators ("so that if guess is 0 still return 0").
  public static let tiny = 1e-15
  /// pycocoevalcap's smoothing constant in denominators.
  public static let small = 1e-9

  /// Corpus BLEU-1…n and per-image BLEU-1…n (`perImage[i][k - 1]`), for tokenised hypotheses and
  /// their references (same order; each image needs at least one reference).
  public static func score(hypotheses: [String], references: [[String]], n: Int = 4) -> (corpus: [Double], perImage: [[Double]]) {
    precondition(hypotheses.count == references.count, "one reference list per hypothesis")
    var totalCorrect = [Double](repeating: 0, count: n), totalGuess = [Double](repeating: 0, count: n)
    var totalTest = 0.0, totalRef = 0.0
    var perImage: [[Double]] = []
    for (hyp, refs) in zip(hypotheses, references) {
      precondition(!refs.isEmpty, "an image without references")
      let h = NGramCounts(hyp, n: n)
      let cooked = refs.map { NGramCounts($0, n: n) }
      var maxCounts = [[String: Int]](repeating: [:], count: n)
      for r in cooked { for k in 0..<n { for (g, c) in r.counts[k] { maxCounts[k][g] = max(maxCounts[k][g] ?? 0, c) } } }
      let refLength = cooked.map(\.length).min { (abs($0 - h.length), $0) < (abs($1 - h.length), $1) }!
      var correct = [Double](repeating: 0, count: n), guess = [Double](repeating: 0, count: n)
      for k in 0..<n {
        guess[k] = Double(max(0, h.length - k))
        for (g, c) in h.counts[k] { correct[k] += Double(min(maxCounts[k][g] ?? 0, c)) }
        totalCorrect[k] += correct[k]
        totalGuess[k] += guess[k]
      }
      totalTest += Double(h.length)
      totalRef += Double(refLength)
      perImage.append(combine(correct: correct, guess: guess, testLength: Double(h.length), refLength: Double(refLength)))
    }
    return (combine(correct: totalCorrect, guess: totalGuess, testLength: totalTest, refLength: totalRef), perImage)
  }

  /// BLEU-1…n from clipped matches and guesses: the running product of precisions, its k-th root,
  /// times the brevity penalty (pycocoevalcap's `compute_score`, in its order of operations).
  static func combine(correct: [Double], guess: [Double], testLength: Double, refLength: Double) -> [Double] {
    var bleus: [Double] = []
    var product = 1.0
    for k in correct.indices {
      product *= (correct[k] + tiny) / (guess[k] + small)
      bleus.append(pow(product, 1.0 / Double(k + 1)))
    }
    let ratio = (testLength + tiny) / (refLength + small)
    if ratio < 1 { bleus = bleus.map { $0 * exp(1 - 1 / ratio) } }
    return bleus
  }
}
