/// Classification metrics of logits against labels. Accuracies and averages are percentages
/// (0–100), like `ZeroShotResult`; the confusion matrix holds counts. JSON keys: `acc1`, `acc5`
/// (null under 5 classes), `mean_per_class_recall`, `macro_f1`, `confusion_matrix`, `unpredicted`.
///
/// Divide by 100 to compare with scikit-learn (`accuracy_score`, `top_k_accuracy_score`,
/// `balanced_accuracy_score`, `f1_score(average="macro")`), which report fractions.
public struct ClassificationResult: Codable, Equatable, Sendable {
  /// Top-1 accuracy.
  public var acc1: Double
  /// Top-5 accuracy; nil with fewer than 5 classes.
  public var acc5: Double?
  /// Mean over the classes that occur in the labels of their recall (balanced accuracy, as
  /// `ZeroShotResult`).
  public var meanPerClassRecall: Double
  /// Mean over the classes that occur in the labels or the predictions of
  /// F1 = 2·TP / (2·TP + FP + FN) (sklearn's macro F1).
  public var macroF1: Double
  /// [C][C] counts: row = true class, column = predicted class.
  public var confusionMatrix: [[Int]]
  /// Samples without a prediction (every logit NaN): misses, counted in their class's support but in
  /// no column of the confusion matrix.
  public var unpredicted: Int

  public init(acc1: Double, acc5: Double?, meanPerClassRecall: Double, macroF1: Double,
              confusionMatrix: [[Int]], unpredicted: Int = 0) {
    self.acc1 = acc1
    self.acc5 = acc5
    self.meanPerClassRecall = meanPerClassRecall
    self.macroF1 = macroF1
    self.confusionMatrix = confusionMatrix
    self.unpredicted = unpredicted
  }

  enum CodingKeys: String, CodingKey {
    case acc1, acc5, unpredicted
    case meanPerClassRecall = "mean_per_class_recall"
    case macroF1 = "macro_f1"
    case confusionMatrix = "confusion_matrix"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    acc1 = try c.decode(Double.self, forKey: .acc1)
    acc5 = try c.decodeIfPresent(Double.self, forKey: .acc5)
    meanPerClassRecall = try c.decode(Double.self, forKey: .meanPerClassRecall)
    macroF1 = try c.decode(Double.self, forKey: .macroF1)
    confusionMatrix = try c.decode([[Int]].self, forKey: .confusionMatrix)
    unpredicted = try c.decodeIfPresent(Int.self, forKey: .unpredicted) ?? 0
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(acc1, forKey: .acc1)
    try c.encode(acc5, forKey: .acc5)   // nil → null, not omitted
    try c.encode(meanPerClassRecall, forKey: .meanPerClassRecall)
    try c.encode(macroF1, forKey: .macroF1)
    try c.encode(confusionMatrix, forKey: .confusionMatrix)
    try c.encode(unpredicted, forKey: .unpredicted)
  }
}
