import Foundation
import Preprocessing
import TestSupport
import Testing

/// Loading errors name the file and say what is wrong.
@Suite struct TokenizerLoadingTests {
  typealias F = TokenizerFixtures

  /// Writes `vocab.json` / `merges.txt` with the given contents into a fresh folder.
  func folder(vocab: String?, merges: String?) throws -> URL {
    let dir = Fixtures.temporaryDirectory("tokenizer")
    if let vocab { try vocab.write(to: dir.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8) }
    if let merges { try merges.write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8) }
    return dir
  }

  /// The error thrown by `body`, or nil.
  func error(_ body: () throws -> CLIPTokenizer) -> TokenizerError? {
    do {
      _ = try body()
      return nil
    } catch let e as TokenizerError {
      return e
    } catch {
      Issue.record("unexpected error type: \(error)")
      return nil
    }
  }

  /// A minimal valid vocabulary: the 512 byte symbols, one merge result, the two special tokens.
  static let byteSymbols: [String] = {
    var symbols: [String] = []
    var next: UInt32 = 256
    for b in 0...255 {
      let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
      let v = printable ? UInt32(b) : { defer { next += 1 }; return next }()
      symbols.append(String(Character(Unicode.Scalar(v)!)))
    }
    return symbols
  }()

  func tinyVocab(extra: [String] = ["ca", "cat</w>"], specials: [String] = ["<|startoftext|>", "<|endoftext|>"]) -> String {
    let tokens = Self.byteSymbols + Self.byteSymbols.map { $0 + "</w>" } + extra + specials
    let data = try! JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: zip(tokens, tokens.indices)))
    return String(decoding: data, as: UTF8.self)
  }

  @Test func tinyValidFolderLoadsAndMerges() throws {
    let dir = try folder(vocab: tinyVocab(), merges: "#version: 0.2\nc a\nca t</w>\n")
    let t = try CLIPTokenizer(modelDirectory: dir)
    #expect(t.vocabularySize == 516)
    #expect(t.startToken == 514 && t.endToken == 515)
    #expect(t.encode("Cat") == [514, 513, 515])
    #expect(t.decode(t.encode("cat cat")) == "<|startoftext|>cat cat <|endoftext|>")
  }

  @Test func missingFolderAndFiles() throws {
    let nowhere = Fixtures.temporaryDirectory("tokenizer").appendingPathComponent("no-such-model")
    let e1 = error { try CLIPTokenizer(modelDirectory: nowhere) }
    #expect(e1?.kind == .missingFile)
    #expect(e1?.description.contains("no-such-model") == true)

    let noMerges = try folder(vocab: tinyVocab(), merges: nil)
    let e2 = error { try CLIPTokenizer(modelDirectory: noMerges) }
    #expect(e2?.kind == .missingFile)
    #expect(e2?.file == noMerges)
    #expect(e2?.description.contains("merges.txt") == true)
    #expect(e2?.description.contains(noMerges.path) == true)

    let noVocab = try folder(vocab: nil, merges: "#version: 0.2\n")
    let e3 = error { try CLIPTokenizer(modelDirectory: noVocab) }
    #expect(e3?.kind == .missingFile)
    #expect(e3?.description.contains("vocab.json") == true)

    let e4 = error { try CLIPTokenizer(vocabJSON: nowhere.appendingPathComponent("vocab.json"), merges: nowhere) }
    #expect(e4?.kind == .missingFile)
    #expect(e4?.file.lastPathComponent == "vocab.json")

    let e5 = error { try CLIPTokenizer(openAIBPE: nowhere.appendingPathComponent("bpe.txt.gz")) }
    #expect(e5?.kind == .missingFile)
    #expect(e5?.description.contains("bpe.txt.gz") == true)
  }

  @Test(arguments: [
    ("[1, 2]", "expected '{'"),
    ("{\"a\": 1", "unexpected end"),
    ("{\"a\": 1} x", "after the object"),
    ("{\"a\": \"1\"}", "not a non-negative integer"),
    ("{\"a\": -1}", "not a non-negative integer"),
    ("{\"a\": 1.5}", "not a non-negative integer"),
    ("{\"a\": 1,}", "expected a token string"),
    ("{\"a\\ud800\": 1}", "lone surrogate"),
    ("{\"a\": 99999999999}", "too large"),
    ("", "expected '{'"),
  ])
  func malformedVocabulary(json: String, message: String) throws {
    let dir = try folder(vocab: json, merges: "#version: 0.2\n")
    let e = error { try CLIPTokenizer(modelDirectory: dir) }
    #expect(e?.kind == .malformedVocabulary)
    #expect(e?.file.lastPathComponent == "vocab.json")
    #expect(e?.message.contains(message) == true, "\(String(describing: e))")
  }

  @Test func vocabularyEscapesAreDecoded() throws {
    // "\u0063" is "c", "\/" is "/": the escaped spellings name the same tokens.
    let json = tinyVocab().replacingOccurrences(of: "\"ca\"", with: "\"\\u0063a\"")
    let dir = try folder(vocab: json, merges: "#version: 0.2\nc a\nca t</w>\n")
    #expect(try CLIPTokenizer(modelDirectory: dir).encode("cat") == [514, 513, 515])
  }

  @Test(arguments: [
    ("#version: 0.2\nc a b\n", "line 2", TokenizerError.Kind.malformedMerges),
    ("#version: 0.2\nc a\n\nca t</w>\n", "line 3", .malformedMerges),
    ("#version: 0.2\nca\n", "line 2", .malformedMerges),
    ("#version: 0.2\nc  a\n", "line 2", .malformedMerges),
    ("#version: 0.2\nc a\nzz t</w>\n", "'zz'", .malformedMerges),
    ("#version: 0.2\nc t\n", "'ct'", .malformedMerges),
  ])
  func malformedMerges(merges: String, message: String, kind: TokenizerError.Kind) throws {
    let dir = try folder(vocab: tinyVocab(), merges: merges)
    let e = error { try CLIPTokenizer(modelDirectory: dir) }
    #expect(e?.kind == kind)
    #expect(e?.file.lastPathComponent == "merges.txt")
    #expect(e?.message.contains(message) == true, "\(String(describing: e))")
  }

  @Test func mergesAcceptCRLFAndVersionLines() throws {
    let dir = try folder(vocab: tinyVocab(), merges: "#version: 0.2\r\nc a\r\n#version again\nca t</w>")
    #expect(try CLIPTokenizer(modelDirectory: dir).encode("cat") == [514, 513, 515])
  }

  @Test func vocabularyWithoutSpecialTokens() throws {
    for (specials, missing) in [(["<|endoftext|>"], "<|startoftext|>"), (["<|startoftext|>"], "<|endoftext|>")] {
      let dir = try folder(vocab: tinyVocab(specials: specials), merges: "#version: 0.2\n")
      let e = error { try CLIPTokenizer(modelDirectory: dir) }
      #expect(e?.kind == .missingSpecialToken)
      #expect(e?.file.lastPathComponent == "vocab.json")
      #expect(e?.message.contains(missing) == true)
    }
  }

  // MARK: gzip

  /// gzip with one stored deflate block (no compression), so tests can write any content.
  static func storedGzip(_ data: [UInt8]) -> [UInt8] {
    precondition(data.count < 65536)
    var crc: UInt32 = 0xFFFF_FFFF
    for b in data {
      crc ^= UInt32(b)
      for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    crc ^= 0xFFFF_FFFF
    let n = UInt16(data.count)
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 1, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)]
      + data + le32(crc) + le32(UInt32(data.count))
  }

  func gzFile(_ bytes: [UInt8]) throws -> URL {
    let url = Fixtures.temporaryDirectory("tokenizer").appendingPathComponent("bpe.txt.gz")
    try Data(bytes).write(to: url)
    return url
  }

  @Test func handWrittenGzipLoads() throws {
    let url = try gzFile(Self.storedGzip(Array("\"bpe.txt#version: 0.2\nc a\nca t</w>\n".utf8)))
    let t = try CLIPTokenizer(openAIBPE: url)
    #expect(t.vocabularySize == 516)
    #expect(t.encode("CAT") == [514, 513, 515])
  }

  @Test func malformedGzip() throws {
    let good = try [UInt8](Data(contentsOf: F.openAIGz))
    var flipped = good
    flipped[good.count / 2] ^= 0x10
    var badCRC = good
    badCRC[good.count - 6] ^= 0xFF
    let cases: [([UInt8], String)] = [
      (Array("hello, not gzip at all".utf8), "magic"),
      (Array(good.prefix(good.count / 3)), "truncated"),
      (badCRC, "CRC-32"),
      (flipped, "member 1"),
      (good + [0x1F, 0x8B, 1, 2], "member 2"),
      (good + Array("junk".utf8), "trailing garbage"),
      ([], "empty"),
    ]
    for (bytes, message) in cases {
      let url = try gzFile(bytes)
      let e = error { try CLIPTokenizer(openAIBPE: url) }
      #expect(e?.kind == .malformedGzip, "\(message): \(String(describing: e))")
      #expect(e?.file == url)
      #expect(e?.message.contains(message) == true, "\(String(describing: e))")
    }
    // Zero padding after the last member is accepted, as by Python's gzip.
    let padded = try CLIPTokenizer(openAIBPE: try gzFile(good + [0, 0, 0, 0]))
    #expect(padded.vocabularySize == 49408)
  }

  @Test func malformedMergeLineInGzip() throws {
    let url = try gzFile(Self.storedGzip(Array("header\nc a\nca t</w> x\n".utf8)))
    let e = error { try CLIPTokenizer(openAIBPE: url) }
    #expect(e?.kind == .malformedMerges)
    #expect(e?.message.contains("line 3") == true, "\(String(describing: e))")
  }
}
