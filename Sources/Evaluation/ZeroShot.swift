import Foundation
import Tensors

/// Zero-shot classification: a classifier built from prompt-template text embeddings, and
/// its evaluation on image embeddings (the CLIP / CLIP_benchmark protocol).
public enum ZeroShot {
  /// Reads prompt templates, one per line. Each non-empty line (after trimming surrounding
  /// whitespace) must contain a placeholder, `{}` or CLIP_benchmark's `{c}`; `{c}` is rewritten to
  /// `{}`. Blank lines are skipped. Throws `EvaluationError` naming the file (and line).
  public static func loadTemplates(_ file: URL) throws -> [String] {
    let text: String
    do {
      text = try String(contentsOf: file, encoding: .utf8)
    } catch {
      throw EvaluationError(file: file.path, message: "cannot read templates: \(error.localizedDescription)")
    }
    var templates: [String] = []
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let template = line.trimmingCharacters(in: .whitespacesAndNewlines)
      if template.isEmpty { continue }
      guard template.contains("{}") || template.contains("{c}") else {
        throw EvaluationError(file: file.path, message: "line \(number + 1): template '\(template)' has no {} or {c} placeholder for the class name")
      }
      templates.append(template.replacingOccurrences(of: "{c}", with: "{}"))
    }
    guard !templates.isEmpty else {
      throw EvaluationError(file: file.path, message: "no templates (the file is empty or blank)")
    }
    return templates
  }

  /// `template` with every `{}` replaced by `className`.
  public static func fill(_ template: String, with className: String) -> String {
    template.replacingOccurrences(of: "{}", with: className)
  }

  /// classTemplateEmbeds: one [T, D] tensor per class (the text embeddings of its T prompts).
  /// Each template embedding is L2-normalised, the class's are averaged, and the mean is
  /// normalised again. → [C, D]
  public static func classifier(_ classTemplateEmbeds: [Tensor]) -> Tensor {
    precondition(!classTemplateEmbeds.isEmpty, "classifier needs at least one class")
    let dim = classTemplateEmbeds[0].shape.last ?? 0
    var weights = [Float](repeating: 0, count: classTemplateEmbeds.count * dim)   // [C, D]
    for (c, embeds) in classTemplateEmbeds.enumerated() {
      precondition(embeds.rank == 2 && embeds.shape[1] == dim && embeds.shape[0] > 0,
                   "class \(c): expected [templates, \(dim)], got \(embeds.shape)")
      let normalized = Similarity.l2NormalizedRows(embeds)   // [T, D]
      var mean = [Double](repeating: 0, count: dim)
      for t in 0..<embeds.shape[0] {
        for k in 0..<dim { mean[k] += Double(normalized.data[t * dim + k]) }
      }
      let norm = max(mean.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
      for k in 0..<dim { weights[c * dim + k] = Float(mean[k] / norm) }
    }
    return Tensor(shape: [classTemplateEmbeds.count, dim], data: weights)
  }

  /// imageEmbeds: [N, D] (normalised here), classifier: [C, D] (used as given, e.g. from
  /// `classifier(_:)`), labels: [N] in 0..<C.
  ///
  /// Predictions rank classes by cosine score, highest first; equal scores rank the lower class
  /// index first. `acc5` is nil when C < 5. All values are percentages.
  public static func evaluate(imageEmbeds: Tensor, classifier: Tensor, labels: [Int]) -> ZeroShotResult {
    precondition(imageEmbeds.rank == 2 && classifier.rank == 2 && imageEmbeds.shape[1] == classifier.shape[1],
                 "evaluate: images \(imageEmbeds.shape) vs classifier \(classifier.shape)")
    let n = imageEmbeds.shape[0], classes = classifier.shape[0]
    precondition(n > 0 && labels.count == n, "evaluate: \(labels.count) labels for \(n) images")
    precondition(labels.allSatisfy { (0..<classes).contains($0) }, "evaluate: a label is outside 0..<\(classes)")

    let logits = Similarity.scores(Similarity.l2NormalizedRows(imageEmbeds), classifier)   // [N, C]
    var ranks = [Int](repeating: 0, count: n)
    var predictions = [Int](repeating: 0, count: n)
    logits.data.withUnsafeBufferPointer { p in
      for i in 0..<n {
        let row = p.baseAddress! + i * classes
        let label = labels[i], own = row[label]
        var rank = 0, best = 0
        for c in 0..<classes {
          if row[c] > own || (row[c] == own && c < label) { rank += 1 }
          if row[c] > row[best] { best = c }
        }
        ranks[i] = rank
        predictions[i] = best
      }
    }

    var total = [Int](repeating: 0, count: classes), correct = [Int](repeating: 0, count: classes)
    for (label, prediction) in zip(labels, predictions) {
      total[label] += 1
      if prediction == label { correct[label] += 1 }
    }
    let recalls = zip(correct, total).filter { $0.1 > 0 }.map { Double($0.0) / Double($0.1) }
    let accuracy = RecallAtK(ranks: ranks)
    return ZeroShotResult(acc1: accuracy.r1, acc5: classes >= 5 ? accuracy.r5 : nil,
                          meanPerClassRecall: 100 * recalls.reduce(0, +) / Double(recalls.count))
  }
}
