import Evaluation
import Foundation
import TestSupport
import Testing

/// CaptionMetrics against the real pycocoevalcap 1.2 (PTBTokenizer through Java, Bleu(4), Cider())
/// on synthetic and messy captions (Tests/Fixtures/captions/caption_metrics.json,
/// Scripts/fixtures/make_caption_metric_fixtures.py), and by hand for bad input.
struct CaptionMetricsTests {
  struct Image: Decodable {
    let id: String; let hypothesis: String; let references: [String]
    let hypothesis_tokens: String; let references_tokens: [String]; let cider: Double
  }
  struct Fixture: Decodable { let bleu: [Double]; let cider: Double; let images: [Image] }

  static let fixture = try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Fixtures.url("captions/caption_metrics.json")))

  @Test func tokenisationMatchesTheJavaTokenizerOnEveryCaption() {
    let images = Self.fixture.images
    let raw = images.flatMap { [$0.hypothesis] + $0.references }
    let expected = images.flatMap { [$0.hypothesis_tokens] + $0.references_tokens }
    #expect(raw.count > 400)
    let actual = raw.map(PTBTokenizer.tokenize)
    #expect(mismatches(actual, expected, show: 10) == nil)
  }

  @Test func scoresMatchPycocoevalcap() throws {
    let images = Self.fixture.images
    let r = try CaptionMetrics.evaluate(
      predictions: Dictionary(uniqueKeysWithValues: images.map { ($0.id, $0.hypothesis) }),
      references: Dictionary(uniqueKeysWithValues: images.map { ($0.id, $0.references) }))
    #expect(r.images == images.count)
    #expect(mismatches(r.bleu, Self.fixture.bleu, tolerance: 1e-12) == nil)
    #expect(abs(r.cider - Self.fixture.cider) <= 1e-12, "CIDEr \(r.cider) vs \(Self.fixture.cider)")
    #expect(mismatches(images.map { r.perImageCIDEr[$0.id]! }, images.map(\.cider), tolerance: 1e-12) == nil)
  }

  @Test func fixtureHasTheEdgeCases() {
    let images = Self.fixture.images
    #expect(images.contains { $0.hypothesis_tokens.isEmpty })                          // tokenises to nothing
    #expect(images.contains { $0.references.contains($0.hypothesis) })                 // identical to a reference
    #expect(images.contains { $0.cider == 0 })                                         // no overlap
    #expect(images.contains { $0.references.count == 1 })
  }

  @Test func identicalCaptionsAndSingleImage() throws {
    // One image: log N = 0, so every tf-idf weight is 0 and CIDEr is 0 (as in pycocoevalcap).
    let one = try CaptionMetrics.evaluate(predictions: ["a": "a red square"], references: ["a": ["A red square."]])
    #expect(one.cider == 0)
    #expect(abs(one.bleu[0] - 1) < 1e-9)
    #expect(abs(one.bleu[3] - pow(1e-6, 0.25)) < 1e-6)   // no 4-gram in three words: p4 = tiny / small
  }

  @Test func refusesMismatchedImageSets() {
    #expect(throws: EvaluationError.self) { try CaptionMetrics.evaluate(predictions: ["a": "x"], references: ["b": ["x"]]) }
    #expect(throws: EvaluationError.self) { try CaptionMetrics.evaluate(predictions: [:], references: [:]) }
    #expect(throws: EvaluationError.self) { try CaptionMetrics.evaluate(predictions: ["a": "x"], references: ["a": []]) }
  }

  @Test func tokenizerRules() {
    #expect(PTBTokenizer.tokenize("A man (in a hat) isn't \"happy\".") == "a man -lrb- in a hat -rrb- is n't happy")
    #expect(PTBTokenizer.tokenize("Don't go -- it's 3.5 U.S. dollars... ok?!") == "do n't go it 's 3.5 u.s. dollars ok ?!")
    #expect(PTBTokenizer.tokenize("can't won't cannot") == "ca n't wo n't can not")
    #expect(PTBTokenizer.tokenize("  ... ") == "")
  }
}
