/// COCO caption metrics as pycocoevalcap's `COCOEvalCap` computes them: every caption tokenised by
/// `PTBTokenizer` (PTB rules, lower-cased, punctuation dropped), then `BLEU` (BLEU-1…4, "closest"
/// reference length) and `CIDEr` (CIDEr-D, document frequencies from the references of exactly
/// the images evaluated) over the images.
public enum CaptionMetrics {
  /// Scores one predicted caption per image against that image's reference captions. Keys are
  /// image ids; both dictionaries must have the same keys, and every image at least one reference.
  /// Captions are raw text (tokenised here); one that tokenises to nothing scores 0 but is kept.
  public static func evaluate(predictions: [String: String], references: [String: [String]]) throws -> CaptionScores {
    let ids = predictions.keys.sorted()
    guard !ids.isEmpty else { throw EvaluationError(file: "", message: "no images to score") }
    let missing = references.keys.filter { predictions[$0] == nil }.sorted()
    let extra = ids.filter { references[$0] == nil }
    guard missing.isEmpty, extra.isEmpty else {
      var parts: [String] = []
      if !extra.isEmpty { parts.append("\(extra.count) predictions without references (\(extra.prefix(3).joined(separator: ", ")))") }
      if !missing.isEmpty { parts.append("\(missing.count) images without a prediction (\(missing.prefix(3).joined(separator: ", ")))") }
      throw EvaluationError(file: "", message: parts.joined(separator: "; "))
    }
    if let empty = ids.first(where: { references[$0]!.isEmpty }) {
      throw EvaluationError(file: "", message: "image \(empty) has no reference captions")
    }
    let hyps = ids.map { PTBTokenizer.tokenize(predictions[$0]!) }
    let refs = ids.map { references[$0]!.map(PTBTokenizer.tokenize) }
    return score(ids: ids, hypotheses: hyps, references: refs)
  }

  /// The scores of already tokenised captions (`ids[i]` names image i).
  public static func score(ids: [String], hypotheses: [String], references: [[String]]) -> CaptionScores {
    let bleu = BLEU.score(hypotheses: hypotheses, references: references).corpus
    let cider = CIDEr.score(hypotheses: hypotheses, references: references)
    return CaptionScores(bleu: bleu, cider: cider.mean, perImageCIDEr: Dictionary(uniqueKeysWithValues: zip(ids, cider.perImage)))
  }
}
