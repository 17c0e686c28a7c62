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
    GPT2TokenizerFixtures.expectNone(bad)
  }

  struct Sweep: Decodable {
    let block: Int
    let text: Int
    let hashes: [String]
  }

  /// Every scalar in context (split_sweep.json of make_gpt2_tokenizer_fixtures.py): per block of
  /// 1024 scalars, FNV-1a over the byte lengths of the pieces of the same texts as the script's.
  @Test func everyScalarInContextSplitsAsTransformers() throws {
    let data = try Data(contentsOf: GPT2TokenizerFixtures.folder.appendingPathComponent("split_sweep.json"))
    let sweep = try JSONDecoder().decode(Sweep.self, from: data)
    #expect(sweep.hashes.count == 0x110000 / sweep.block)
    let ours = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: sweep.hashes.count)
    defer { ours.deallocate() }
    DispatchQueue.concurrentPerform(iterations: sweep.hashes.count) { b in
      var h: UInt64 = 0xCBF2_9CE4_8422_2325
      for sub in stride(from: b * sweep.block, to: (b + 1) * sweep.block, by: sweep.text) {
        var text = ""
        for v in sub..<(sub + sweep.text) {
          guard let s = Unicode.Scalar(UInt32(v)) else { continue }  // surrogates
          let c = String(Character(s))
          text += "x\(c)  \(c)1 \(c)'s\(c)\t\(c)\n"
        }
        if text.isEmpty { continue }
        GPT2PreTokenizer.forEach(in: text, specialToken: [], special: {},
                                 word: { h = (h ^ UInt64($0.count)) &* 0x100_0000_01B3 })
      }
      ours[b] = h
    }
    let bad = sweep.hashes.indices.filter { String(ours[$0], radix: 16).leftPad(16) != sweep.hashes[$0] }
      .map { "the block at U+\(String($0 * sweep.block, radix: 16, uppercase: true))" }
    GPT2TokenizerFixtures.expectNone(bad)
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

private extension String {
  func leftPad(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
