import Foundation
import PEFT
import Tensors
import TestSupport
import Testing

/// Bad input to the linear probe is a thrown `PEFTError` that says what is wrong, never a trap.
struct LinearProbeInputTests {
  static let x = Tensor(shape: [4, 2], data: [1, 0, 0, 1, 1, 1, -1, 0])
  static let y = [0, 1, 2, 0]

  static func message(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
  }

  @Test func fitRejectsInputThatDoesNotFit() {
    let cases: [(String, () throws -> Void)] = [
      ("at least 2 classes", { _ = try LinearProbe.fit(features: Self.x, labels: [0, 0, 0, 0], classes: 1, C: 1) }),
      ("4 labels for", { _ = try LinearProbe.fit(features: Self.x.rows(0..<3), labels: Self.y, classes: 3, C: 1) }),
      ("label 3 of sample 1", { _ = try LinearProbe.fit(features: Self.x, labels: [0, 3, 1, 2], classes: 3, C: 1) }),
      ("class 2 has no training features", { _ = try LinearProbe.fit(features: Self.x, labels: [0, 1, 1, 0], classes: 3, C: 1) }),
      ("C must be a positive number", { _ = try LinearProbe.fit(features: Self.x, labels: Self.y, classes: 3, C: 0) }),
      ("C must be a positive number", { _ = try LinearProbe.fit(features: Self.x, labels: Self.y, classes: 3, C: .nan) }),
      ("is nan", { _ = try LinearProbe.fit(features: Tensor(shape: [4, 2], data: [1, 0, 0, .nan, 1, 1, -1, 0]), labels: Self.y, classes: 3, C: 1) }),
      ("expected a [samples, dim] matrix", { _ = try LinearProbe.fit(features: Tensor(zeros: [8]), labels: Self.y, classes: 3, C: 1) }),
      ("maxIterations must be at least 1", { _ = try LinearProbe.fit(features: Self.x, labels: Self.y, classes: 3, C: 1, options: LinearProbeOptions(maxIterations: 0)) }),
    ]
    for (needle, body) in cases {
      let text = Self.message(body)
      #expect(text?.contains(needle) == true, "expected '\(needle)', got \(text ?? "no error")")
    }
  }

  @Test func searchAndPredictRejectMismatchedValidationFeatures() throws {
    let wide = Tensor(zeros: [2, 3])
    #expect(Self.message { _ = try LinearProbe.search(train: Self.x, labels: Self.y, validation: wide, validationLabels: [0, 1], classes: 3) }?
      .contains("validation features are 3-dimensional, expected 2") == true)
    #expect(Self.message { _ = try LinearProbe.search(train: Self.x, labels: Self.y, validation: Self.x, validationLabels: Self.y, classes: 3, steps: -1) }?
      .contains("non-negative") == true)
    let head = try LinearProbe.fit(features: Self.x, labels: Self.y, classes: 3, C: 1)
    #expect(Self.message { _ = try head.predict(wide) }?.contains("the head expects 2") == true)
  }

  @Test func normalisingFitsTheUnitRowsAndAppliesAtPrediction() throws {
    let scaled = Tensor(shape: [4, 2], data: Self.x.data.enumerated().map { $0.element * Float(1 + $0.offset / 2) })
    let a = try LinearProbe.fit(features: Self.x, labels: Self.y, classes: 3, C: 1, options: LinearProbeOptions(normalizeFeatures: true))
    let b = try LinearProbe.fit(features: scaled, labels: Self.y, classes: 3, C: 1, options: LinearProbeOptions(normalizeFeatures: true))
    #expect(Closeness(a.weight.data, b.weight.data).maxAbs < 1e-6)
    #expect(Closeness(try a.logits(Self.x).data, try a.logits(scaled).data).maxAbs < 1e-5)
    #expect(b.normalizesFeatures && b.weight.shape == [3, 2] && b.bias.shape == [3])
  }
}
