import Foundation
import Preprocessing
import Testing

/// Every fixture string gets exactly transformers' GPT2Tokenizer ids, and decoding matches too.
@Suite struct GPT2TokenizerMatchTests {
  typealias F = GPT2TokenizerFixtures
  typealias C = TokenizerFixtures

  @Test func fixturesComeFromTransformersAndAgreeWithTheSlowAlgorithm() {
    #expect(F.file.meta.tokenizer_class.hasSuffix(".GPT2Tokenizer"))
    #expect(F.file.cases.count >= 1000)
    #expect(F.file.meta.slow_mismatches?.isEmpty == true)
  }

  @Test func idsMatchTransformers() {
    var bad: [String] = []
    for c in F.file.cases {
      let got = F.tokenizer.encode(c.text)
      if got != c.ids { bad.append("\(C.show(c.text)): got \(got), transformers \(c.ids)") }
    }
    F.expectNone(bad)
  }

  @Test func decodeMatchesTransformersAndRoundTrips() {
    var bad: [String] = []
    for c in F.file.cases {
      let decoded = F.tokenizer.decode(c.ids), skipped = F.tokenizer.decode(c.ids, skipSpecialTokens: true)
      if !C.sameScalars(decoded, c.decoded) || !C.sameScalars(skipped, c.decoded_skip_special) {
        bad.append("\(C.show(c.text)): got \(C.show(decoded)) / \(C.show(skipped)), transformers \(C.show(c.decoded)) / \(C.show(c.decoded_skip_special))")
      }
      if !C.sameScalars(F.tokenizer.decode(F.tokenizer.encode(c.text)), c.text) {
        bad.append("\(C.show(c.text)): decode(encode(s)) differs from s")
      }
    }
    F.expectNone(bad)
  }

  @Test func decodeOfArbitraryIdsMatchesTransformers() {
    // Lone pieces of multi-byte characters become U+FFFD as Python's errors="replace" does.
    #expect(F.file.decode_cases.contains { $0.decoded.contains("\u{FFFD}") })
    var bad: [String] = []
    for c in F.file.decode_cases {
      let decoded = F.tokenizer.decode(c.ids), skipped = F.tokenizer.decode(c.ids, skipSpecialTokens: true)
      if !C.sameScalars(decoded, c.decoded) || !C.sameScalars(skipped, c.decoded_skip_special) {
        bad.append("\(c.ids): got \(C.show(decoded)) / \(C.show(skipped)), transformers \(C.show(c.decoded)) / \(C.show(c.decoded_skip_special))")
      }
    }
    F.expectNone(bad)
  }

  @Test func endOfTextIsTheSpecialTokenAndVocabularySize() {
    let t = F.tokenizer
    #expect(t.endToken == F.file.meta.end_token)
    #expect(t.vocabularySize == F.file.meta.vocabulary_size)
    #expect(t.largestID == t.vocabularySize - 1)
    let hello = t.encode("hello")
    #expect(t.encode("hello<|endoftext|>") == hello + [t.endToken])
    #expect(t.encode("<|endoftext|>hello") == [t.endToken] + hello)
    #expect(t.encode("<|endoftext|><|endoftext|>") == [t.endToken, t.endToken])
    #expect(!t.encode("<|ENDOFTEXT|>").contains(t.endToken))
    #expect(t.encode("") == [])
    #expect(t.decode([t.endToken]) == "<|endoftext|>" && t.decode([t.endToken], skipSpecialTokens: true) == "")
    #expect(t.decode([t.vocabularySize, -1, Int.max]) == "")
  }

  @Test func batchEqualsSingleEncodes() {
    let texts = F.file.cases.map(\.text)
    let batch = F.tokenizer.encode(batch: texts)
    #expect(batch == F.file.cases.map(\.ids))
    #expect(F.tokenizer.encode(batch: []).isEmpty)
  }

  @Test func longTextsMatchTheirPiecesJoined() {
    // No truncation, and a word's ids never depend on its neighbours beyond the split.
    let t = F.tokenizer
    let text = String(repeating: "It's 2024, we'll see 😀 ", count: 500)
    let ids = t.encode(text)
    #expect(ids.count > 1000)
    #expect(C.sameScalars(t.decode(ids), text))
  }
}
