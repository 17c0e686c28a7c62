import Evaluation
import Foundation
import Tensors
import TestSupport
import Testing

/// ClassificationMetrics against scikit-learn 1.9 on random logits with many ties
/// (Tests/Fixtures/fewshot/classification_metrics.json, Scripts/fixtures/make_classification_metrics_fixtures.py),
/// and by hand for NaN, ties and bad input.
struct ClassificationMetricsTests {
  struct Case: Decodable {
    let name: String; let classes: Int; let logits: [Float]; let labels: [Int]; let predictions: [Int]
    let acc1: Double; let acc5: Double?; let acc5_sklearn_ties: Double?
    let macro_f1: Double; let balanced_accuracy: Double; let recall_macro: Double
    let confusion_matrix: [[Int]]
  }
  struct Fixture: Decodable { let cases: [Case] }

  static let cases = try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("fewshot/classification_metrics.json"))).cases

  @Test("matches sklearn", arguments: 0..<4)
  func matchesSklearn(index: Int) throws {
    let c = Self.cases[index]
    let r = try ClassificationMetrics.evaluate(logits: Tensor(shape: [c.labels.count, c.classes], data: c.logits), labels: c.labels)
    #expect(mismatches(r.confusionMatrix.flatMap { $0 }, c.confusion_matrix.flatMap { $0 }) == nil, "\(c.name)")
    #expect(r.unpredicted == 0)
    #expect(abs(r.acc1 / 100 - c.acc1) <= 1e-12, "\(c.name) acc1 \(r.acc1)")
    #expect(c.acc5 == nil ? r.acc5 == nil : abs(r.acc5! / 100 - c.acc5!) <= 1e-12, "\(c.name) acc5 \(String(describing: r.acc5))")
    #expect(abs(r.meanPerClassRecall / 100 - c.balanced_accuracy) <= 1e-9, "\(c.name)")
    #expect(abs(r.macroF1 / 100 - c.macro_f1) <= 1e-9, "\(c.name) F1 \(r.macroF1)")
    let predictedButAbsent = Set(c.predictions).subtracting(c.labels)
    if predictedButAbsent.isEmpty {
      #expect(abs(r.meanPerClassRecall / 100 - c.recall_macro) <= 1e-9, "\(c.name)")
    } else {
      // recall_score(average="macro") averages the absent class in as 0: a different number.
      #expect(abs(r.meanPerClassRecall / 100 - c.recall_macro) > 1e-3, "\(c.name)")
    }
  }

  @Test func fixtureExercisesTiesAndTheZeroDivisionCases() {
    // Ties decide acc5 somewhere (sklearn's own tie rule gives another number) …
    #expect(Self.cases.contains { $0.acc5 != nil && $0.acc5 != $0.acc5_sklearn_ties })
    // … and the last case has a class predicted but absent, and one present but never predicted.
    let c = Self.cases[3]
    #expect(!Set(c.predictions).subtracting(c.labels).isEmpty)
    #expect(!Set(c.labels).subtracting(c.predictions).isEmpty)
  }

  @Test func handComputedWithTiesAndNaN() throws {
    // 5 classes. Row 0: tie between 1 and 3 → predicts 1 (lower index); row 1: NaN own score → a
    // miss at every k; row 2: all NaN → no prediction; row 3: NaN elsewhere never ranks above.
    let nan = Float.nan
    let logits = Tensor(shape: [4, 5], data: [0, 2, 1, 2, 0,
                                              1, nan, 0, 0, 0,
                                              nan, nan, nan, nan, nan,
                                              nan, 0, 3, nan, 1])
    let r = try ClassificationMetrics.evaluate(logits: logits, labels: [3, 1, 2, 2])
    #expect(r.acc1 == 25)                    // only row 3
    #expect(r.acc5 == 50)                    // row 0 (rank 1) and row 3
    #expect(r.unpredicted == 1)
    #expect(r.confusionMatrix == [[0, 0, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0]])
    // Recall: class 1: 0/1, class 2: 1/2, class 3: 0/1 → 1/6. F1 over L = {0, 1, 2, 3}:
    // class 0: 0 (FP 1), class 1: 0, class 2: 2/(2+0+1) = 2/3, class 3: 0 → (2/3)/4.
    #expect(abs(r.meanPerClassRecall - 100.0 / 6) < 1e-12)
    #expect(abs(r.macroF1 - 100.0 * (2.0 / 3) / 4) < 1e-12)
  }

  @Test func jsonHasNullAcc5UnderFiveClassesAndRoundTrips() throws {
    let r = try ClassificationMetrics.evaluate(logits: Tensor(shape: [2, 2], data: [1, 0, 0, 1]), labels: [0, 1])
    #expect(r == ClassificationResult(acc1: 100, acc5: nil, meanPerClassRecall: 100, macroF1: 100, confusionMatrix: [[1, 0], [0, 1]]))
    let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
    for key in [#""acc5":null"#, #""macro_f1":100"#, #""confusion_matrix":[[1,0],[0,1]]"#, #""mean_per_class_recall":100"#] {
      #expect(json.contains(key), "\(json)")
    }
    #expect(try JSONDecoder().decode(ClassificationResult.self, from: Data(json.utf8)) == r)
  }

  @Test func badInputThrowsClearErrors() {
    func message(_ logits: Tensor, _ labels: [Int]) -> String? {
      do { _ = try ClassificationMetrics.evaluate(logits: logits, labels: labels); return nil } catch { return "\(error)" }
    }
    #expect(message(Tensor(zeros: [4]), [0])?.contains("logits must be [samples, classes]") == true)
    #expect(message(Tensor(zeros: [0, 3]), [])?.contains("no samples") == true)
    #expect(message(Tensor(zeros: [2, 0]), [0, 0])?.contains("no classes") == true)
    #expect(message(Tensor(zeros: [2, 3]), [0])?.contains("1 labels for 2 samples") == true)
    #expect(message(Tensor(zeros: [2, 3]), [0, 3])?.contains("label 3 of sample 1 is outside the 3 classes") == true)
    #expect(message(Tensor(zeros: [2, 3]), [-1, 0])?.contains("label -1 of sample 0") == true)
  }
}
