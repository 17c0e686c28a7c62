import Foundation
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// LinearProbe against scikit-learn 1.9 `LogisticRegression(solver="lbfgs")` and a Python copy of
/// CoOp's C search (Tests/Fixtures/fewshot/linear_probe.*, Scripts/fixtures/make_linear_probe_fixtures.py):
/// 5 overlapping clusters in 16 dimensions, 120 training, 40 validation and 100 test samples.
struct LinearProbeParityTests {
  /// Optimum agreement: |ours − sklearn| ≤ 1e-4 absolute or ≤ 1e-3 relative to the largest
  /// coefficient, with both solvers run to a tight tolerance.
  static let coefficientTolerance = 1e-4

  struct Info: Decodable {
    struct Fit: Decodable { let C: Double; let n_iter_tight: Int; let n_iter_default: Int; let test_accuracy_default: Double }
    struct Binary: Decodable { let C: Double }
    struct Step: Decodable { let left: Double; let right: Double; let acc_left: Double; let acc_right: Double; let chosen: Double }
    struct Search: Decodable { let num_step: Int; let coarse_accuracies: [Double]; let steps: [Step]; let chosen_c: Double; let test_accuracy: Double }
    let tight_tol: Double
    let fits: [Fit]
    let binary: [Binary]
    let search: Search
  }

  static let file = try! SafeTensorsFile(contentsOf: Fixtures.url("fewshot/linear_probe.safetensors"))
  static let info = try! JSONDecoder().decode(Info.self, from: Data(contentsOf: Fixtures.url("fewshot/linear_probe.json")))

  static func split(_ name: String) throws -> (Tensor, [Int]) {
    (try file.tensor("\(name)_x"), try file.integers("\(name)_y"))
  }

  static func accuracy(_ predictions: [Int], _ labels: [Int]) -> Double {
    100 * Double(zip(predictions, labels).filter { $0.0 == $0.1 }.count) / Double(labels.count)
  }

  /// max |a − e| over max(1, max |e|)-scaled tolerance, as a readable string on failure.
  static func expectCoefficients(_ actual: [Float], _ expected: [Float], _ what: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
    let scale = max(1, expected.map { abs($0) }.max() ?? 0)
    #expect(mismatches(actual, expected, tolerance: Float(coefficientTolerance * Double(scale))) == nil, "\(what)",
            sourceLocation: sourceLocation)
  }

  @Test func optimumMatchesSklearnForSeveralC() throws {
    let (x, y) = try Self.split("train")
    let tight = LinearProbeOptions(tolerance: Self.info.tight_tol)
    for (i, fit) in Self.info.fits.enumerated() {
      let head = try LinearProbe.fit(features: x, labels: y, classes: 5, C: fit.C, options: tight)
      let coef = try Self.file.tensor("coef_\(i)"), intercept = try Self.file.tensor("intercept_\(i)")
      Self.expectCoefficients(head.weight.data, coef.data, "C=\(fit.C) weights (\(Closeness(head.weight.data, coef.data)))")
      Self.expectCoefficients(head.bias.data, intercept.data, "C=\(fit.C) bias (\(Closeness(head.bias.data, intercept.data)))")
      print("C=\(fit.C): weights \(Closeness(head.weight.data, coef.data)), bias \(Closeness(head.bias.data, intercept.data)); iterations \(head.iterations) (sklearn \(fit.n_iter_tight)), stop \(head.stop)")
    }
  }

  @Test func defaultToleranceGivesSklearnsTestPredictions() throws {
    let (x, y) = try Self.split("train"), (tx, ty) = try Self.split("test")
    for (i, fit) in Self.info.fits.enumerated() {
      let head = try LinearProbe.fit(features: x, labels: y, classes: 5, C: fit.C)
      let predictions = try head.predict(tx)
      let expected = try Self.file.integers("test_pred_\(i)")
      #expect(mismatches(predictions, expected) == nil, "C=\(fit.C)")
      #expect(abs(Self.accuracy(predictions, ty) - fit.test_accuracy_default) <= 0.5)
      #expect(head.stop == .gradientTolerance || head.stop == .functionTolerance)
      print("C=\(fit.C) default tol: iterations \(head.iterations) (sklearn \(fit.n_iter_default)), accuracy \(Self.accuracy(predictions, ty)) (sklearn \(fit.test_accuracy_default))")
    }
  }

  @Test func twoClassesMatchSklearnsBinomialModel() throws {
    let (x, y) = try Self.split("binary_train"), (tx, _) = try Self.split("binary_test")
    for (i, fit) in Self.info.binary.enumerated() {
      let head = try LinearProbe.fit(features: x, labels: y, classes: 2, C: fit.C,
                                     options: LinearProbeOptions(tolerance: Self.info.tight_tol))
      let d = head.dim
      let difference = (0..<d).map { head.weight.data[d + $0] - head.weight.data[$0] }
      Self.expectCoefficients(difference, try Self.file.tensor("binary_coef_\(i)").data, "C=\(fit.C) W[1] − W[0]")
      Self.expectCoefficients([head.bias.data[1] - head.bias.data[0]], try Self.file.tensor("binary_intercept_\(i)").data,
                              "C=\(fit.C) b[1] − b[0]")
      // The two rows are opposite (the penalty splits w evenly), the intercepts too.
      #expect(Closeness((0..<d).map { head.weight.data[$0] + head.weight.data[d + $0] }, [Float](repeating: 0, count: d)).maxAbs < 1e-5)
      let defaults = try LinearProbe.fit(features: x, labels: y, classes: 2, C: fit.C)
      #expect(mismatches(try defaults.predict(tx), try Self.file.integers("binary_test_pred_\(i)")) == nil)
    }
  }

  @Test func searchChoosesTheSameCAsCoOpsScript() throws {
    let (x, y) = try Self.split("train"), (vx, vy) = try Self.split("val"), (tx, ty) = try Self.split("test")
    let s = Self.info.search
    let r = try LinearProbe.search(train: x, labels: y, validation: vx, validationLabels: vy, classes: 5, steps: s.num_step)
    #expect(r.coarse.map(\.C) == LinearProbe.coarseGrid)
    #expect(mismatches(r.coarse.map { $0.validationAccuracy / 100 }, s.coarse_accuracies, tolerance: 1e-12) == nil)
    #expect(r.steps.count == s.steps.count)
    for (ours, theirs) in zip(r.steps, s.steps) {
      #expect(abs(ours.left.C - theirs.left) <= 1e-12 * theirs.left && abs(ours.right.C - theirs.right) <= 1e-12 * theirs.right,
              "step ends \(ours.left.C), \(ours.right.C) vs \(theirs.left), \(theirs.right)")
      #expect(abs(ours.left.validationAccuracy / 100 - theirs.acc_left) < 1e-12 && abs(ours.right.validationAccuracy / 100 - theirs.acc_right) < 1e-12,
              "accuracies at \(theirs.left), \(theirs.right)")
      #expect(abs(ours.chosenC - theirs.chosen) <= 1e-12 * theirs.chosen)
    }
    #expect(abs(r.chosenC - s.chosen_c) <= 1e-12 * s.chosen_c, "chose \(r.chosenC), CoOp's search \(s.chosen_c)")
    #expect(r.head.C == r.chosenC)
    let predictions = try r.head.predict(tx)
    #expect(mismatches(predictions, try Self.file.integers("search_test_pred")) == nil)
    #expect(abs(Self.accuracy(predictions, ty) - s.test_accuracy) <= 0.5)
    #expect(r.trials.count == 7 + 2 * s.num_step)
  }
}
