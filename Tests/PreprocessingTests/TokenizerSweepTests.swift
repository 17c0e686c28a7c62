import Foundation
import Preprocessing
import TestSupport
import Testing

/// Exhaustive and randomized comparison with transformers, through hashes of its ids (the ids
/// themselves would be tens of MB): every Unicode scalar in context, and seeded random strings
/// of combining marks, jamo, letters, whitespace, emoji... These pin down the Unicode details:
/// NFC with Unicode 9.0 data, regex classes with Unicode 16.0, lowercasing with Unicode 17.0.
@Suite struct TokenizerSweepTests {
  struct Sweep: Decodable {
    struct Scalars: Decodable {
      let template: String
      let count: Int
      let block: Int
      let hashes: [String]
    }
    struct Fuzz: Decodable {
      let seed: UInt64
      let count: Int
      let max_length: UInt64
      let block: Int
      let pools: [[UInt32]]
      let hashes: [String]
    }
    let scalars: Scalars
    let fuzz: Fuzz
  }

  static let sweep: Sweep = {
    let data = try! Data(contentsOf: Fixtures.url("tokenizer/unicode_sweep.json"))
    return try! JSONDecoder().decode(Sweep.self, from: data)
  }()

  /// 64-bit FNV-1a over each id as 4 little-endian bytes, then 0xFFFFFFFF (as the fixture script).
  static func hashBlock(_ encodings: [[Int]]) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for ids in encodings {
      for v in ids.map({ UInt32($0) }) + [0xFFFF_FFFF] {
        for k in 0..<4 {
          h ^= UInt64((v >> (8 * UInt32(k))) & 0xFF)
          h = h &* 0x100_0000_01B3
        }
      }
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Indices of the blocks whose hashes differ.
  static func badBlocks(_ texts: [String], block: Int, expected: [String]) -> [Int] {
    let t = TokenizerFixtures.fromFolder
    var bad: [Int] = []
    for (b, start) in stride(from: 0, to: texts.count, by: block).enumerated() {
      let ids = t.encode(batch: Array(texts[start..<min(start + block, texts.count)]), contextLength: .max)
      if b >= expected.count || hashBlock(ids) != expected[b] { bad.append(b) }
    }
    return bad
  }

  @Test func everyScalarInContextMatchesTransformers() {
    let s = Self.sweep.scalars
    #expect(s.template == "a{c}a{c}{c}")
    var texts: [String] = []
    texts.reserveCapacity(s.count)
    for v in UInt32(0)...0x10FFFF {
      guard let c = Unicode.Scalar(v) else { continue }
      var text = String.UnicodeScalarView()
      text.append(contentsOf: ["a", c, "a", c, c])
      texts.append(String(text))
    }
    #expect(texts.count == s.count)
    let bad = Self.badBlocks(texts, block: s.block, expected: s.hashes)
    let ranges = bad.map { b -> String in
      func scalar(_ i: Int) -> String { String(texts[i].unicodeScalars.dropFirst().first!.value, radix: 16) }
      return "U+\(scalar(b * s.block))...U+\(scalar(min((b + 1) * s.block, texts.count) - 1))"
    }
    #expect(bad.isEmpty, "ids differ from transformers for some scalar in \(ranges)")
  }

  @Test func seededRandomStringsMatchTransformers() {
    let f = Self.sweep.fuzz
    var rng = SplitMix64(seed: f.seed)
    func next() -> UInt64 { rng.next() }
    var texts: [String] = []
    for _ in 0..<f.count {
      var text = String.UnicodeScalarView()
      for _ in 0..<(1 + next() % f.max_length) {
        let pool = f.pools[Int(next() % UInt64(f.pools.count))]
        text.append(Unicode.Scalar(pool[Int(next() % UInt64(pool.count))])!)
      }
      texts.append(String(text))
    }
    let bad = Self.badBlocks(texts, block: f.block, expected: f.hashes)
    #expect(bad.isEmpty, "ids differ from transformers in blocks \(bad) of \(f.block) strings")
  }
}
