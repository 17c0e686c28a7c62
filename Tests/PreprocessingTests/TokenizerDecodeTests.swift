import Foundation
import Preprocessing
import Testing

@Suite struct TokenizerDecodeTests {
  typealias F = TokenizerFixtures

  @Test func decodeMatchesTransformers() {
    var bad: [String] = []
    let all = F.file.cases.map { ($0.ids, $0.decoded, $0.decoded_skip_special) }
      + F.file.decode_cases.map { ($0.ids, $0.decoded, $0.decoded_skip_special) }
    for t in [F.fromFolder, F.fromGz] {
      for (ids, decoded, skipped) in all {
        let got = t.decode(ids), gotSkipped = t.decode(ids, skipSpecialTokens: true)
        if !F.sameScalars(got, decoded) { bad.append("\(ids): got \(F.show(got)), transformers \(F.show(decoded))") }
        if !F.sameScalars(gotSkipped, skipped) {
          bad.append("\(ids) skipping specials: got \(F.show(gotSkipped)), transformers \(F.show(skipped))")
        }
      }
    }
    #expect(bad.isEmpty, "\(bad.count) mismatches:\n\(bad.prefix(20).joined(separator: "\n"))")
  }

  @Test func asciiRoundTrip() {
    let t = F.fromFolder
    let texts = [
      "a photo of a cat", "two dogs playing in the snow", "the quick brown fox jumps over the lazy dog",
      "a man riding a horse on a beach at sunset", "supercalifragilisticexpialidocious",
      "he said hello , and left !", "i 'll be back", "1 2 3 4", "a ( small ) test",
    ]
    for text in texts {
      #expect(t.decode(t.encode(text), skipSpecialTokens: true) == text)
      #expect(t.decode(t.encode(text)) == "<|startoftext|>\(text) <|endoftext|>")
    }
    // Case, whitespace and punctuation spacing are normalized, words survive.
    #expect(t.decode(t.encode("  Hello,\tWORLD!  "), skipSpecialTokens: true) == "hello , world !")
    // Random lowercase words.
    var rng = SplitMix64(seed: 7)
    let letters = Array("abcdefghijklmnopqrstuvwxyz")
    for _ in 0..<200 {
      let words = (0..<Int.random(in: 1...8, using: &rng)).map { _ in
        String((0..<Int.random(in: 1...12, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
      }
      let text = words.joined(separator: " ")
      #expect(t.decode(t.encode(text, contextLength: .max), skipSpecialTokens: true) == text)
    }
  }

  @Test func unknownIdsAreIgnored() {
    let t = F.fromFolder
    let cat = t.encode("cat", contextLength: .max)
    #expect(t.decode([-1, 10_000_000] + cat + [49408]) == t.decode(cat))
    #expect(t.decode([]) == "")
  }
}
