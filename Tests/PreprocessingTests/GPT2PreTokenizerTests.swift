import Foundation
@testable import Preprocessing
import Testing

/// The GPT-2 split gives exactly the pieces of transformers' ByteLevel pre-tokenizer.
@Suite struct GPT2PreTokenizerTests {
  typealias C = TokenizerFixtures

  static func pieces(_ text: String) -> [String] {
    var out: [String] = []
    GPT2PreTokenizer.forEach(in: text, specialToken: Array("<|endoftext|>".utf8),
                             special: { out.append("<|endoftext|>") },
                             word: { out.append(String(decoding: $0, as: UTF8.self)) })
    return out
  }

  @Test func fixturePiecesMatchTransformers() {
    var bad: [String] = []
    for c in GPT2TokenizerFixtures.file.cases {
      let got = Self.pieces(c.text)
      if got.count != c.pieces.count || !zip(got, c.pieces).allSatisfy({ C.sameScalars($0, $1) }) {
        bad.append("\(C.show(c.text)): got \(got.map(C.show)), transformers \(c.pieces.map(C.show))")
      }
    }
    #expect(bad.isEmpty, "\(bad.count) mismatches:\n\(bad.prefix(15).joined(separator: "\n"))")
  }

  @Test(arguments: [
    ("it's", ["it", "'s"]),
    ("IT'S", ["IT", "'", "S"]),
    (" 's", [" '", "s"]),
    ("''s", ["''", "s"]),
    ("a  b", ["a", " ", " b"]),
    ("a   ", ["a", "   "]),
    ("\t\ta", ["\t", "\t", "a"]),
    ("  \ta", ["  ", "\t", "a"]),
    ("a\n\nb", ["a", "\n", "\n", "b"]),
    (" 123 45", [" 123", " 45"]),
    ("x1", ["x", "1"]),
    (" !!?", [" !!?"]),
    ("e\u{301}", ["e", "\u{301}"]),
    ("\u{00A0}a", ["\u{00A0}", "a"]),
    ("a<|endoftext|> b", ["a", "<|endoftext|>", " b"]),
    ("", []),
  ])
  func handPickedSplits(text: String, expected: [String]) {
    let got = Self.pieces(text)
    #expect(got.count == expected.count && zip(got, expected).allSatisfy { C.sameScalars($0, $1) },
            "\(C.show(text)): \(got.map(C.show))")
  }
}
