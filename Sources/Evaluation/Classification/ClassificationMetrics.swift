import Tensors

/// Top-1/top-5 accuracy, mean per-class recall, macro F1 and the confusion matrix of logits
/// [N, C] against labels [N] in 0..<C — the numbers a few-shot study reports for each method.
///
/// Ranking as `ZeroShot.evaluate`: classes by score, highest first, equal scores ranking the lower
/// class index first; NaN never beats a number, and a sample whose own-class score is NaN is a miss
/// at every k. The prediction is the top-ranked class (sklearn's `np.argmax` on ties); a row of
/// NaN has none (`unpredicted`).
///
/// With TP_c, FP_c, FN_c from the confusion matrix and n_c the samples of class c:
///
///     acc@k               = 100 · #{i : rank of y_i < k} / N                 (acc5 only when C ≥ 5)
///     meanPerClassRecall  = 100 · mean_{c : n_c > 0} TP_c / n_c              (balanced accuracy)
///     macroF1             = 100 · mean_{c ∈ L} 2·TP_c / (2·TP_c + FP_c + FN_c)
///
/// where L is the classes that occur in the labels or the predictions, as sklearn's
/// `f1_score(average="macro")` with its default `labels=None`. Zero division: a class in L is
/// never 0/0 in F1; a class that occurs but is never predicted has precision 0/0, which sklearn's
/// default `zero_division="warn"` sets to 0, so its F1 is 0 — the formula above gives the same.
/// Classes in neither the labels nor the predictions are left out of both averages.
/// `meanPerClassRecall` equals sklearn's `recall_score(average="macro")` unless a class is predicted
/// but never occurs, which `recall_score` averages in as recall 0 and this (like
/// `balanced_accuracy_score`, CLIP_benchmark and `ZeroShotResult`) leaves out.
/// sklearn's `top_k_accuracy_score` breaks ties the other way (higher index first); the two agree
/// when there are no ties.
public enum ClassificationMetrics {
  /// Throws `EvaluationError` (never traps) for logits that are not [N, C] with N, C > 0 and for
  /// labels that do not fit. Logits may hold NaN or infinities (see above).
  public static func evaluate(logits: Tensor, labels: [Int]) throws -> ClassificationResult {
    func fail(_ message: String) -> EvaluationError { EvaluationError(file: "", message: message) }
    guard logits.rank == 2 else { throw fail("logits must be [samples, classes], got shape \(logits.shape)") }
    let n = logits.shape[0], classes = logits.shape[1]
    guard n > 0 else { throw fail("no samples to classify") }
    guard classes > 0 else { throw fail("no classes to classify into") }
    guard labels.count == n else { throw fail("\(labels.count) labels for \(n) samples") }
    if let bad = labels.firstIndex(where: { !(0..<classes).contains($0) }) {
      throw fail("label \(labels[bad]) of sample \(bad) is outside the \(classes) classes")
    }

    var ranks = [Int](repeating: 0, count: n), predictions = [Int](repeating: -1, count: n)
    logits.data.withUnsafeBufferPointer { p in
      for i in 0..<n {
        let row = p.baseAddress! + i * classes
        let label = labels[i], own = row[label]
        var rank = 0, best = -1
        for c in 0..<classes {
          if row[c] > own || (row[c] == own && c < label) { rank += 1 }
          if !row[c].isNaN && (best < 0 || row[c] > row[best]) { best = c }
        }
        ranks[i] = own.isNaN ? .max : rank
        predictions[i] = best
      }
    }

    var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
    var support = [Int](repeating: 0, count: classes), predicted = [Int](repeating: 0, count: classes)
    for (label, prediction) in zip(labels, predictions) {
      support[label] += 1
      guard prediction >= 0 else { continue }
      confusion[label][prediction] += 1
      predicted[prediction] += 1
    }
    var recalls: [Double] = [], f1s: [Double] = []
    for c in 0..<classes {
      let tp = confusion[c][c]
      if support[c] > 0 { recalls.append(Double(tp) / Double(support[c])) }
      // 2TP + FP + FN = support + predicted > 0 exactly for the classes in L.
      if support[c] + predicted[c] > 0 { f1s.append(2 * Double(tp) / Double(support[c] + predicted[c])) }
    }
    func percent(_ k: Int) -> Double { 100 * Double(ranks.lazy.filter { $0 < k }.count) / Double(n) }
    return ClassificationResult(
      acc1: percent(1), acc5: classes >= 5 ? percent(5) : nil,
      meanPerClassRecall: 100 * recalls.reduce(0, +) / Double(recalls.count),
      macroF1: 100 * f1s.reduce(0, +) / Double(f1s.count),
      confusionMatrix: confusion, unpredicted: predictions.lazy.filter { $0 < 0 }.count)
  }
}
