import Foundation
import Preprocessing
import TestSupport
import Testing

/// GPT-2 tokenizer files: bad input is a clear error naming the file; `TokenizerFamily` tells GPT-2
/// folders from CLIP ones.
@Suite struct GPT2TokenizerLoadingTests {
  /// Writes the given files (name → contents) into a fresh folder.
  func folder(_ files: [String: String]) throws -> URL {
    let dir = Fixtures.temporaryDirectory("gpt2-tokenizer")
    for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    return dir
  }

  /// The 256 byte symbols (id = byte), then `extra`, then `<|endoftext|>` unless left out.
  func vocab(extra: [String] = ["ab"], endOfText: Bool = true, without: Set<String> = []) -> String {
    let tokens = TokenizerLoadingTests.byteSymbols.filter { !without.contains($0) } + extra + (endOfText ? ["<|endoftext|>"] : [])
    let data = try! JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: zip(tokens, tokens.indices)))
    return String(decoding: data, as: UTF8.self)
  }

  func error(_ body: () throws -> GPT2Tokenizer) -> TokenizerError? {
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

  @Test func tinyValidFolderLoadsAndMerges() throws {
    let dir = try folder(["vocab.json": vocab(), "merges.txt": "#version: 0.2\na b\n"])
    let t = try GPT2Tokenizer(modelDirectory: dir)
    #expect(t.vocabularySize == 258 && t.endToken == 257)
    #expect(t.encode("abc") == [256, 99])
    #expect(t.encode("ab ab") == [256, 32, 256])
    #expect(t.encode("ab<|endoftext|>") == [256, 257])
    #expect(t.decode([256, 32, 256, 257]) == "ab ab<|endoftext|>")
  }

  @Test func vocabularyWithoutEndOfTextGetsItAfterTheLastToken() throws {
    // As transformers: the added special token takes id = number of tokens.
    let dir = try folder(["vocab.json": vocab(endOfText: false), "merges.txt": "#version: 0.2\na b\n"])
    let t = try GPT2Tokenizer(modelDirectory: dir)
    #expect(t.endToken == 257 && t.vocabularySize == 258 && t.largestID == 257)
    #expect(t.encode("ab<|endoftext|>") == [256, 257])
    #expect(t.decode([257]) == "<|endoftext|>")
  }

  @Test func endOfTextIdTakenIsAnError() throws {
    // 256 tokens with ids 1...256: id 256 (the token count, which transformers would give it) is taken.
    var tokens = TokenizerLoadingTests.byteSymbols.enumerated().map { ($0.element, $0.offset) }
    tokens[0].1 = 256
    let json = String(decoding: try JSONSerialization.data(withJSONObject: Dictionary(uniqueKeysWithValues: tokens)), as: UTF8.self)
    let dir = try folder(["vocab.json": json, "merges.txt": "#version: 0.2\n"])
    let e = error { try GPT2Tokenizer(modelDirectory: dir) }
    #expect(e?.kind == .missingSpecialToken)
    #expect(e?.file.lastPathComponent == "vocab.json")
    #expect(e?.message.contains("<|endoftext|>") == true, "\(String(describing: e))")
  }

  @Test func byteSymbolMissingFromTheVocabularyIsDropped() throws {
    // transformers' GPT2Tokenizer has no unknown token: "azb" without "z" gives the ids of "ab".
    let dir = try folder(["vocab.json": vocab(without: ["z"]), "merges.txt": "#version: 0.2\na b\n"])
    let t = try GPT2Tokenizer(modelDirectory: dir)
    #expect(t.encode("azb") == t.encode("ab"))
    #expect(t.encode("z") == [])
  }

  @Test func missingFolderAndFiles() throws {
    let nowhere = Fixtures.temporaryDirectory("gpt2-tokenizer").appendingPathComponent("no-such-model")
    let e1 = error { try GPT2Tokenizer(modelDirectory: nowhere) }
    #expect(e1?.kind == .missingFile && e1?.description.contains("no-such-model") == true)
    let noMerges = try folder(["vocab.json": vocab()])
    let e2 = error { try GPT2Tokenizer(modelDirectory: noMerges) }
    #expect(e2?.kind == .missingFile && e2?.description.contains("merges.txt") == true)
    let noVocab = try folder(["merges.txt": "#version: 0.2\n"])
    let e3 = error { try GPT2Tokenizer(modelDirectory: noVocab) }
    #expect(e3?.kind == .missingFile && e3?.description.contains("vocab.json") == true)
  }

  @Test(arguments: [
    ("#version: 0.2\na b c\n", "line 2"),
    ("#version: 0.2\nab\n", "line 2"),
    ("#version: 0.2\na b\n\nb c\n", "line 3"),
    ("#version: 0.2\nq x\n", "'qx'"),
    ("#version: 0.2\nab zz\n", "'zz'"),
  ])
  func malformedMerges(merges: String, message: String) throws {
    let dir = try folder(["vocab.json": vocab(), "merges.txt": merges])
    let e = error { try GPT2Tokenizer(modelDirectory: dir) }
    #expect(e?.kind == .malformedMerges)
    #expect(e?.file.lastPathComponent == "merges.txt")
    #expect(e?.message.contains(message) == true, "\(String(describing: e))")
  }

  @Test(arguments: [
    ("[1, 2]", "JSON object"),
    ("{\"a\": \"one\"}", "not a non-negative integer"),
    ("{\"a\": 1.5}", "not a non-negative integer"),
    ("{\"a\": -1}", "not a non-negative integer"),
    ("{\"a\": 1", "end of file"),
    ("", "JSON object"),
  ])
  func malformedVocabulary(json: String, message: String) throws {
    let dir = try folder(["vocab.json": json, "merges.txt": "#version: 0.2\n"])
    let e = error { try GPT2Tokenizer(modelDirectory: dir) }
    #expect(e?.kind == .malformedVocabulary)
    #expect(e?.file.lastPathComponent == "vocab.json")
    #expect(e?.message.contains(message) == true, "\(String(describing: e))")
  }

  @Test func familyDetection() throws {
    #expect(try TokenizerFamily.detect(modelDirectory: GPT2TokenizerFixtures.folder) == .gpt2)
    #expect(try TokenizerFamily.detect(modelDirectory: Fixtures.url("clip/tiny")) == .clip)
    #expect(try TokenizerFamily.detect(modelDirectory: TokenizerFixtures.hfFolder) == .clip)  // no config.json: </w> tokens
    let files = ["vocab.json": vocab(), "merges.txt": "#version: 0.2\na b\n"]
    #expect(try TokenizerFamily.detect(modelDirectory: try folder(files)) == .gpt2)  // no config.json, no </w>
    var withType = files
    withType["config.json"] = "{\"architectures\": [\"X\"]}"
    #expect(try TokenizerFamily.detect(modelDirectory: try folder(withType)) == .gpt2)  // no model_type
    withType["config.json"] = "{\"model_type\": \"clip\"}"
    #expect(try TokenizerFamily.detect(modelDirectory: try folder(withType)) == .clip)  // model_type wins

    var broken = files
    broken["config.json"] = "not json"
    let dir = try folder(broken)
    do {
      _ = try TokenizerFamily.detect(modelDirectory: dir)
      Issue.record("expected an error")
    } catch let e as TokenizerError {
      #expect(e.kind == .malformedConfig && e.file.lastPathComponent == "config.json")
    }
  }
}
