import Foundation
import PEFT
import Tensors
import TestSupport
import Testing

/// Tip-Adapter on hand-made inputs: the formula on a case small enough to write out, the search's
/// grid and tie rules, and clear errors for input that does not fit.
struct TipAdapterInputTests {
  static let classifier = Tensor(shape: [2, 2], data: [1, 0, 0, 1])

  static func message(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch { return "\(error)" }
  }

  @Test func logitsAreZeroShotPlusAlphaTimesTheCache() throws {
    // Keys (3, 4) → (0.6, 0.8) of class 0 and (0, 2) → (0, 1) of class 1; feature (1, 0).
    let model = try TipAdapter(trainFeatures: Tensor(shape: [2, 2], data: [3, 4, 0, 2]), labels: [0, 1], classifier: Self.classifier)
    #expect(Closeness(model.keys.data, [0.6, 0.8, 0, 1]).maxAbs < 1e-7)
    let logits = try model.logits(Tensor(shape: [1, 2], data: [5, 0]), alpha: 2, beta: 3)
    let expected: [Float] = [100 + 2 * Float(exp(-3 * 0.4)), 0 + 2 * Float(exp(-3.0))]
    #expect(Closeness(logits.data, expected).maxAbs < 1e-4)
  }

  @Test func gridFollowsSearchHpsFormula() {
    let g = TipAdapterSearchGrid(betaScale: 7, alphaScale: 3, betaSteps: 200, alphaSteps: 20)
    #expect(g.betas.count == 200 && g.alphas.count == 20)
    #expect(g.betas[0] == 0.1 && g.alphas[0] == 0.1)
    #expect(g.betas[199] == 199 * (7 - 0.1) / 200 + 0.1 && g.betas.last! < 7)
    #expect(g.alphas[1] == 1 * (3 - 0.1) / 20 + 0.1)
  }

  @Test func searchKeepsTheFirstBestAndStartsFromZero() throws {
    // Features on the classifier axes: zero-shot is already perfect, every setting ties, so the
    // first (β, α) = (0.1, 0.1) wins.
    let model = try TipAdapter(trainFeatures: Tensor(shape: [2, 2], data: [1, 0, 0, 1]), labels: [0, 1], classifier: Self.classifier)
    let r = try model.search(validation: Tensor(shape: [2, 2], data: [1, 0, 0, 1]), labels: [0, 1],
                             grid: TipAdapterSearchGrid(betaSteps: 5, alphaSteps: 4))
    #expect(r == TipAdapterSearchResult(beta: 0.1, alpha: 0.1, correct: 2, validationAccuracy: 100))
    // Nothing right anywhere (labels swapped, cache agrees with the classifier): the official
    // search's starting point (β, α) = (0, 0) comes back.
    let none = try model.search(validation: Tensor(shape: [2, 2], data: [1, 0, 0, 1]), labels: [1, 0],
                                grid: TipAdapterSearchGrid(betaSteps: 3, alphaSteps: 3))
    #expect(none == TipAdapterSearchResult(beta: 0, alpha: 0, correct: 0, validationAccuracy: 0))
  }

  @Test func badInputThrowsClearErrors() throws {
    let keys = Tensor(shape: [2, 2], data: [1, 0, 0, 1])
    let cases: [(String, () throws -> Void)] = [
      ("cache labels: label 2 of sample 1", { _ = try TipAdapter(trainFeatures: keys, labels: [0, 2], classifier: Self.classifier) }),
      ("cache labels: 1 labels for 2 samples", { _ = try TipAdapter(trainFeatures: keys, labels: [0], classifier: Self.classifier) }),
      ("cache features are 3-dimensional, expected 2", { _ = try TipAdapter(trainFeatures: Tensor(zeros: [2, 3]), labels: [0, 1], classifier: Self.classifier) }),
      ("zero-shot classifier: expected a [samples, dim] matrix", { _ = try TipAdapter(trainFeatures: keys, labels: [0, 1], classifier: Tensor(zeros: [4])) }),
      ("is inf", { _ = try TipAdapter(trainFeatures: Tensor(shape: [2, 2], data: [1, .infinity, 0, 1]), labels: [0, 1], classifier: Self.classifier) }),
    ]
    for (needle, body) in cases {
      let text = Self.message(body)
      #expect(text?.contains(needle) == true, "expected '\(needle)', got \(text ?? "no error")")
    }
    let model = try TipAdapter(trainFeatures: keys, labels: [0, 1], classifier: Self.classifier)
    #expect(Self.message { _ = try model.logits(Tensor(zeros: [1, 3]), alpha: 1, beta: 1) }?.contains("3-dimensional") == true)
    #expect(Self.message { _ = try model.logits(keys, alpha: .nan, beta: 1) }?.contains("finite") == true)
    #expect(Self.message { _ = try model.search(validation: keys, labels: [0, 1], grid: TipAdapterSearchGrid(betaSteps: 0)) }?.contains("at least one beta") == true)
    #expect(Self.message { _ = try model.search(validation: keys, labels: [0, 5]) }?.contains("label 5 of sample 1") == true)
    let f = try TipAdapterF(model, alpha: 1, beta: 1)
    #expect(Self.message { _ = try f.crossEntropyStep(features: keys, labels: [0]) }?.contains("1 labels for 2 samples") == true)
    #expect(f.keys.grad == nil)
  }
}
