import Foundation
import Tensors

/// One value of C the search fitted, with its validation accuracy.
public struct LinearProbeTrial: Codable, Equatable, Sendable {
  public var C: Double
  /// Validation samples predicted correctly.
  public var correct: Int
  /// 100 · correct / validation samples.
  public var validationAccuracy: Double

  public init(C: Double, correct: Int, validationAccuracy: Double) {
    self.C = C
    self.correct = correct
    self.validationAccuracy = validationAccuracy
  }

  enum CodingKeys: String, CodingKey {
    case C = "c", correct
    case validationAccuracy = "validation_accuracy"
  }
}

/// One refinement step: the two ends fitted and the C the step keeps.
public struct LinearProbeSearchStep: Codable, Equatable, Sendable {
  public var left: LinearProbeTrial, right: LinearProbeTrial
  /// `right.C` when the right end is strictly more accurate, else `left.C`.
  public var chosenC: Double

  enum CodingKeys: String, CodingKey {
    case left, right
    case chosenC = "chosen_c"
  }
}

/// What `LinearProbe.search` tried and the head it ends with.
public struct LinearProbeSearchResult: Sendable {
  /// The head fitted on the training features at `chosenC`.
  public var head: LinearProbeHead
  /// The last step's choice (the coarse grid's best when there are no steps).
  public var chosenC: Double
  /// `LinearProbe.coarseGrid` in its order, with validation accuracies.
  public var coarse: [LinearProbeTrial]
  public var steps: [LinearProbeSearchStep]

  /// Every fit in the order made: the coarse grid, then each step's left and right end.
  public var trials: [LinearProbeTrial] { coarse + steps.flatMap { [$0.left, $0.right] } }
}

extension LinearProbe {
  /// The coarse grid of CoOp's `lpclip/linear_probe.py` ("search initialization"), in its order.
  public static let coarseGrid: [Double] = [1e6, 1e4, 1e2, 1, 1e-2, 1e-4, 1e-6]

  /// Chooses C by validation accuracy the way CoOp's `lpclip/linear_probe.py` reproduces the CLIP
  /// paper's search, then returns the head at that C:
  ///
  /// 1. fit every C of `coarseGrid` (10⁶, 10⁴, …, 10⁻⁶); C* = the first with the highest validation
  ///    accuracy; start with [l, r] = [0.1·C*, 10·C*];
  /// 2. `steps` times (the script's `--num_step`, default 8): fit l and r; if acc(l) < acc(r) keep r
  ///    and search [10^((log₁₀l + log₁₀r)/2), r], otherwise (ties included) keep l and search
  ///    [l, 10^((log₁₀l + log₁₀r)/2)] — both ends written back as 10^(log₁₀ ·), as the script does;
  /// 3. the chosen C is the one kept by the last step (not the best over all steps: the script
  ///    reports that head's test accuracy).
  ///
  /// Accuracy compares correct counts on the whole validation set (the script's fraction, exactly).
  /// Fits of a C already fitted are reused (same C, same deterministic fit). Throws `PEFTError` for
  /// input that does not fit.
  public static func search(train features: Tensor, labels: [Int], validation: Tensor, validationLabels: [Int],
                            classes: Int, steps: Int = 8,
                            options: LinearProbeOptions = LinearProbeOptions()) throws -> LinearProbeSearchResult {
    try checkTraining(features, labels, classes: classes)
    try checkOptions(options)
    try FeatureInputs.check(validation, validationLabels, classes: classes, dim: features.shape[1], "validation")
    guard steps >= 0 else { throw PEFTError("the number of search steps must be non-negative, got \(steps)") }
    let train = options.normalizeFeatures ? features.l2NormalizedRows() : features
    let valid = options.normalizeFeatures ? validation.l2NormalizedRows() : validation

    var fitted: [Double: (head: LinearProbeHead, trial: LinearProbeTrial)] = [:]
    func evaluate(_ C: Double) -> LinearProbeTrial {
      if let done = fitted[C] { return done.trial }
      let head = fitChecked(train, labels, classes: classes, C: C, options: options)
      let correct = FeatureInputs.hits(head.predictChecked(valid), validationLabels)
      let trial = LinearProbeTrial(C: C, correct: correct, validationAccuracy: 100 * Double(correct) / Double(validationLabels.count))
      fitted[C] = (head, trial)
      return trial
    }

    let coarse = coarseGrid.map(evaluate)
    var peak = 0
    for i in coarse.indices where coarse[i].correct > coarse[peak].correct { peak = i }
    var chosen = coarseGrid[peak]
    var (left, right) = (1e-1 * chosen, 1e1 * chosen)
    var done: [LinearProbeSearchStep] = []
    for _ in 0..<steps {
      let l = evaluate(left), r = evaluate(right)
      let (logLeft, logRight) = (log10(left), log10(right)), middle = 0.5 * (logRight + logLeft)
      if l.correct < r.correct {
        chosen = right
        (left, right) = (pow(10, middle), pow(10, logRight))
      } else {
        chosen = left
        (left, right) = (pow(10, logLeft), pow(10, middle))
      }
      done.append(LinearProbeSearchStep(left: l, right: r, chosenC: chosen))
    }
    return LinearProbeSearchResult(head: fitted[chosen]!.head, chosenC: chosen, coarse: coarse, steps: done)
  }
}
