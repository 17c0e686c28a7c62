/// Zero-shot classification metrics, in percent (0–100). JSON keys: `acc1`, `acc5` (null when
/// there are fewer than 5 classes), `mean_per_class_recall`.
///
/// CLIP_benchmark computes the same three quantities but writes them as fractions (0–1) and `acc5`
/// as NaN/None under 5 classes; ClipTune reports percent so they read like the retrieval recalls.
/// Divide by 100 to compare with CLIP_benchmark's JSON.
public struct ZeroShotResult: Codable, Equatable, Sendable {
  /// Top-1 accuracy.
  public var acc1: Double
  /// Top-5 accuracy; nil with fewer than 5 classes.
  public var acc5: Double?
  /// Balanced accuracy: the mean over classes of top-1 recall, counting only classes that occur in
  /// the labels (as scikit-learn's `balanced_accuracy_score`, which CLIP_benchmark uses).
  public var meanPerClassRecall: Double

  public init(acc1: Double, acc5: Double?, meanPerClassRecall: Double) {
    self.acc1 = acc1
    self.acc5 = acc5
    self.meanPerClassRecall = meanPerClassRecall
  }

  enum CodingKeys: String, CodingKey {
    case acc1, acc5
    case meanPerClassRecall = "mean_per_class_recall"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    acc1 = try c.decode(Double.self, forKey: .acc1)
    acc5 = try c.decodeIfPresent(Double.self, forKey: .acc5)
    meanPerClassRecall = try c.decode(Double.self, forKey: .meanPerClassRecall)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(acc1, forKey: .acc1)
    try c.encode(acc5, forKey: .acc5)   // nil → null, not omitted
    try c.encode(meanPerClassRecall, forKey: .meanPerClassRecall)
  }
}
