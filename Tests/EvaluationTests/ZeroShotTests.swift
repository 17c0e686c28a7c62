import Evaluation
import Foundation
import Tensors
import TestSupport
import Testing

struct ZeroShotTests {
  /// Classifier = identity over 6 classes, so each image vector lists its class scores.
  @Test func handComputedAccuracies() throws {
    let rows: [([Float], Int)] = [
      ([6, 5, 4, 3, 2, 1], 0),   // rank 0
      ([6, 5, 4, 3, 2, 1], 1),   // rank 1
      ([1, 6, 2, 3, 4, 5], 1),   // rank 0
      ([1, 2, 3, 4, 5, 6], 0),   // rank 5
      ([2, 1, 6, 3, 4, 5], 2),   // rank 0
      ([3, 4, 5, 6, 1, 2], 5),   // rank 4
      ([3, 4, 5, 6, 1, 2], 3),   // rank 0
      ([6, 1, 2, 3, 4, 5], 4),   // rank 2 — class 4 is never predicted correctly
      ([5, 6, 1, 2, 3, 4], 1),   // rank 0
    ]
    var identity = [Float](repeating: 0, count: 36)
    for c in 0..<6 { identity[c * 7] = 1 }
    let r = try ZeroShot.evaluate(imageEmbeds: Tensor(shape: [9, 6], data: rows.flatMap(\.0)),
                              classifier: Tensor(shape: [6, 6], data: identity), labels: rows.map(\.1))
    #expect(abs(r.acc1 - 100.0 * 5 / 9) < 1e-9)
    #expect(r.acc5.map { abs($0 - 100.0 * 8 / 9) < 1e-9 } == true)
    // Per-class recall: 1/2, 2/3, 1, 1, 0, 0.
    #expect(abs(r.meanPerClassRecall - 100.0 * (0.5 + 2.0 / 3 + 1 + 1) / 6) < 1e-9)
  }

  @Test func fewerThanFiveClassesHasNoAcc5AndSkipsAbsentClasses() throws {
    // 3 classes; class 2 never occurs as a label but is predicted once.
    let images = Tensor(shape: [4, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0.5, 0])
    let identity = Tensor(shape: [3, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1])
    let r = try ZeroShot.evaluate(imageEmbeds: images, classifier: identity, labels: [0, 1, 1, 0])
    #expect(r == ZeroShotResult(acc1: 75, acc5: nil, meanPerClassRecall: 75))   // class 0: 2/2, class 1: 1/2
    let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
    #expect(json.contains(#""acc5":null"#))
    #expect(json.contains(#""mean_per_class_recall":75"#))
    #expect(try JSONDecoder().decode(ZeroShotResult.self, from: Data(json.utf8)) == r)
  }

  @Test func classifierNormalisesAveragesAndRenormalises() throws {
    let c = try ZeroShot.classifier([
      Tensor(shape: [2, 2], data: [3, 0, 0, 4]),   // → (1,0), (0,1) → mean (.5,.5) → (.707, .707)
      Tensor(shape: [1, 2], data: [0, -2]),        // → (0, -1)
      Tensor(shape: [3, 2], data: [1, 0, 10, 0, 0, 0.001]),   // → mean (2/3, 1/3) → /√5·3
    ])
    #expect(c.shape == [3, 2])
    let s = Float(0.5).squareRoot()
    let expected: [Float] = [s, s, 0, -1, 2 / Float(5).squareRoot(), 1 / Float(5).squareRoot()]
    #expect(Closeness(c.data, expected).maxAbs < 1e-6)
  }

  @Test("matches a brute-force reference on random data", arguments: [(200, 10, 16), (50, 4, 8), (300, 60, 24)])
  func matchesReference(images n: Int, classes: Int, dim: Int) throws {
    var rng = SplitMix64(seed: UInt64(n * 7 + classes))
    let templates = (0..<classes).map { _ in Tensor.random(3, dim, using: &rng) }
    let classifier = try ZeroShot.classifier(templates)
    let images = Tensor.random(n, dim, using: &rng)
    let labels = (0..<n).map { _ in Int.random(in: 0..<classes, using: &rng) }
    let r = try ZeroShot.evaluate(imageEmbeds: images, classifier: classifier, labels: labels)
    let ref = Reference.zeroShot(images: images, classifier: classifier, labels: labels)
    #expect(abs(r.acc1 - ref.acc1) < 1e-9)
    #expect(classes < 5 ? r.acc5 == nil : abs(r.acc5! - ref.acc5) < 1e-9)
    #expect(abs(r.meanPerClassRecall - ref.balanced) < 1e-9)
  }

  @Test func cifarTemplatesAreCLIPs() {
    let t = ZeroShot.cifarTemplates
    #expect(t.count == 18)
    #expect(Set(t).count == 18)
    #expect(t.allSatisfy { $0.components(separatedBy: "{}").count == 2 && $0.hasSuffix(" {}.") })
    #expect(t.first == "a photo of a {}.")
    #expect(t[2] == "a black and white photo of a {}.")
    #expect(t[9] == "a photo of the {}.")
    #expect(t.last == "a photo of the big {}.")
    #expect(ZeroShot.fill(t[7], with: "sea lion") == "a photo of a small sea lion.")
  }

  @Test func loadTemplates() throws {
    let dir = Fixtures.temporaryDirectory("templates")
    let file = dir.appendingPathComponent("t.txt")
    try Data("a photo of a {}.\r\n\n  itap of a {c}.  \nart of the {}\n".utf8).write(to: file)
    #expect(try ZeroShot.loadTemplates(file) == ["a photo of a {}.", "itap of a {}.", "art of the {}"])

    try Data("a photo of a {}.\n\nno placeholder here\n".utf8).write(to: file)
    #expect { _ = try ZeroShot.loadTemplates(file) } throws: { error in
      guard let e = error as? EvaluationError else { return false }
      return e.file == file.path && e.message.hasPrefix("line 3: template 'no placeholder here' has no {} or {c}")
    }

    try Data("\n  \n".utf8).write(to: file)
    #expect { _ = try ZeroShot.loadTemplates(file) } throws: { error in
      (error as? EvaluationError)?.message.hasPrefix("no templates") == true
    }
    #expect { _ = try ZeroShot.loadTemplates(dir.appendingPathComponent("absent.txt")) } throws: { error in
      (error as? EvaluationError)?.message.hasPrefix("cannot read templates") == true
    }
  }
}
