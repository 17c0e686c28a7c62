import Tensors

/// Checks shared by the feature-level few-shot methods (linear probe, Tip-Adapter): every problem
/// a caller can reach with bad input becomes a `PEFTError` that says what is wrong, never a trap.
enum FeatureInputs {
  /// `features` must be [N, D] with N, D > 0 and finite. `what` names them in errors.
  static func checkMatrix(_ features: Tensor, _ what: String) throws {
    guard features.rank == 2 else { throw PEFTError("\(what): expected a [samples, dim] matrix, got shape \(features.shape)") }
    guard features.shape[0] > 0 else { throw PEFTError("\(what): no samples") }
    guard features.shape[1] > 0 else { throw PEFTError("\(what): zero-dimensional features") }
    if let bad = features.data.firstIndex(where: { !$0.isFinite }) {
      let d = features.shape[1]
      throw PEFTError("\(what): element [\(bad / d), \(bad % d)] is \(features.data[bad]) (features must be finite)")
    }
  }

  /// `labels` must hold one label in 0..<classes per row of `features`.
  static func checkLabels(_ labels: [Int], rows: Int, classes: Int, _ what: String) throws {
    guard labels.count == rows else { throw PEFTError("\(what): \(labels.count) labels for \(rows) samples") }
    if let bad = labels.firstIndex(where: { !(0..<classes).contains($0) }) {
      throw PEFTError("\(what): label \(labels[bad]) of sample \(bad) is outside the \(classes) classes")
    }
  }

  /// Features and labels together; `dim`, when given, is the feature width they must have.
  static func check(_ features: Tensor, _ labels: [Int], classes: Int, dim: Int? = nil, _ what: String) throws {
    try checkMatrix(features, "\(what) features")
    if let dim, features.shape[1] != dim {
      throw PEFTError("\(what) features are \(features.shape[1])-dimensional, expected \(dim)")
    }
    try checkLabels(labels, rows: features.shape[0], classes: classes, "\(what) labels")
  }

  /// The class with the highest score in each row of `scores` [N, C]; equal scores pick the lower
  /// class index and NaN never wins (a row of NaN predicts -1), as `ZeroShot.evaluate` ranks.
  static func argmaxRows(_ scores: [Float], rows: Int, columns: Int) -> [Int] {
    (0..<rows).map { r in
      var best = -1
      for c in 0..<columns where !scores[r * columns + c].isNaN {
        if best < 0 || scores[r * columns + c] > scores[r * columns + best] { best = c }
      }
      return best
    }
  }

  /// How many of `predictions` equal `labels`.
  static func hits(_ predictions: [Int], _ labels: [Int]) -> Int {
    zip(predictions, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
  }
}
