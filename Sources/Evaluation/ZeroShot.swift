import Datasets
import Foundation
import Tensors

/// Zero-shot classification: a classifier built from prompt-template text embeddings, and
/// its evaluation on image embeddings (the CLIP / CLIP_benchmark protocol).
public enum ZeroShot {
  /// Reads prompt templates, one per line. Each non-empty line (after trimming surrounding
  /// whitespace) must contain a placeholder, `{}` or CLIP_benchmark's `{c}`; `{c}` is rewritten to
  /// `{}`. Blank lines are skipped. Throws `EvaluationError` naming the file (and line).
  public static func loadTemplates(_ file: URL) throws -> [String] {
    let data: Data
    do { data = try InputFile.read(file.path, what: "templates file", limit: 64 << 20) } catch let error as InputFileError {
      throw EvaluationError(file: error.file, message: "cannot read templates: \(error.message)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw EvaluationError(file: file.path, message: "cannot read templates: not UTF-8 text")
    }
    var templates: [String] = []
    for (number, line) in TextLines.split(text).enumerated() {
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
  /// Throws `EvaluationError` for no classes, shapes that do not fit, or non-finite embeddings.
  public static func classifier(_ classTemplateEmbeds: [Tensor]) throws -> Tensor {
    guard !classTemplateEmbeds.isEmpty else { throw EvaluationError(file: "", message: "the classifier needs at least one class") }
    let dim = classTemplateEmbeds[0].shape.last ?? 0
    var weights = [Float](repeating: 0, count: classTemplateEmbeds.count * dim)   // [C, D]
    for (c, embeds) in classTemplateEmbeds.enumerated() {
      guard embeds.rank == 2, embeds.shape[1] == dim, embeds.shape[0] > 0 else {
        throw EvaluationError(file: "", message: "class \(c): expected [templates, \(dim)] embeddings, got \(embeds.shape)")
      }
      try RetrievalMetrics.checkFinite(embeds, "text embeddings of class \(c)")
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
  /// Throws `EvaluationError` (never traps) for shapes or labels that do not fit and for
  /// non-finite embeddings; an image whose own-class score is NaN counts as a miss.
  public static func evaluate(imageEmbeds: Tensor, classifier: Tensor, labels: [Int]) throws -> ZeroShotResult {
    func fail(_ message: String) -> EvaluationError { EvaluationError(file: "", message: message) }
    guard imageEmbeds.rank == 2, classifier.rank == 2, imageEmbeds.shape[1] == classifier.shape[1] else {
      throw fail("image embeddings \(imageEmbeds.shape) do not fit the classifier \(classifier.shape)")
    }
    let n = imageEmbeds.shape[0], classes = classifier.shape[0]
    guard n > 0 else { throw fail("no images to classify") }
    guard classes > 0 else { throw fail("no classes to classify into") }
    guard labels.count == n else { throw fail("\(labels.count) labels for \(n) images") }
    if let bad = labels.firstIndex(where: { !(0..<classes).contains($0) }) {
      throw fail("label \(labels[bad]) of image \(bad) is outside the \(classes) classes")
    }
    try RetrievalMetrics.checkFinite(imageEmbeds, "image embeddings")
    try RetrievalMetrics.checkFinite(classifier, "class embeddings")

    let logits = Similarity.scores(Similarity.l2NormalizedRows(imageEmbeds), classifier)   // [N, C]
    let result = try ClassificationMetrics.evaluate(logits: logits, labels: labels)  // the same ranking rules
    return ZeroShotResult(acc1: result.acc1, acc5: result.acc5, meanPerClassRecall: result.meanPerClassRecall)
  }
}
