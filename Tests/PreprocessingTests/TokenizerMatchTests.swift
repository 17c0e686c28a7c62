import Foundation
import Preprocessing
import Testing

/// Every fixture string gets exactly transformers' ids, from both file formats.
@Suite struct TokenizerMatchTests {
  typealias F = TokenizerFixtures

  @Test func fixturesComeFromTheFastTokenizer() {
    #expect(F.file.meta.tokenizer_class.hasSuffix(".CLIPTokenizer"))
    #expect(F.file.meta.is_fast)
    #expect(F.file.cases.count >= 300)
  }

  /// Mismatches as readable lines (empty when every case matches).
  static func mismatches(_ tokenizer: CLIPTokenizer) -> [String] {
    var bad: [String] = []
    for c in F.file.cases {
      for (context, expected) in [(Int.max, c.ids), (77, c.ids_77), (16, c.ids_16)] {
        let got = tokenizer.encode(c.text, contextLength: context)
        if got != expected {
          bad.append("\(F.show(c.text)) context \(context): got \(got), transformers \(expected)")
        }
      }
    }
    return bad
  }

  @Test func huggingFaceFolderMatchesTransformers() {
    let bad = Self.mismatches(F.fromFolder)
    #expect(bad.isEmpty, "\(bad.count) mismatches:\n\(bad.prefix(20).joined(separator: "\n"))")
  }

  @Test func openAIGzipMatchesTransformers() {
    let bad = Self.mismatches(F.fromGz)
    #expect(bad.isEmpty, "\(bad.count) mismatches:\n\(bad.prefix(20).joined(separator: "\n"))")
  }

  @Test func specialTokenIdsAndVocabularySize() {
    for t in [F.fromFolder, F.fromGz] {
      #expect(t.startToken == 49406 && t.startToken == F.file.meta.start_token)
      #expect(t.endToken == 49407 && t.endToken == F.file.meta.end_token)
      #expect(t.vocabularySize == 49408 && t.vocabularySize == F.file.meta.vocabulary_size)
    }
  }

  @Test func batchEqualsSingleEncodes() {
    let texts = F.file.cases.map(\.text)
    for context in [77, 16] {
      let batch = F.fromFolder.encode(batch: texts, contextLength: context)
      #expect(batch.count == texts.count)
      let expected = F.file.cases.map { context == 77 ? $0.ids_77 : $0.ids_16 }
      let bad = zip(texts, zip(batch, expected)).filter { $1.0 != $1.1 }.map { F.show($0.0) }
      #expect(bad.isEmpty, "batch differs for \(bad.prefix(10))")
    }
    #expect(F.fromFolder.encode(batch: []).isEmpty)
  }

  @Test func truncationKeepsStartAndEndTokens() {
    let t = F.fromFolder
    let long = String(repeating: "a photo of a dog ", count: 100)
    for context in [2, 3, 16, 77, 100] {
      let ids = t.encode(long, contextLength: context)
      #expect(ids.count == context)
      #expect(ids.first == t.startToken && ids.last == t.endToken)
      #expect(Array(ids.dropLast()) == Array(t.encode(long, contextLength: .max).prefix(context - 1)))
    }
    #expect(t.encode("") == [t.startToken, t.endToken])
    #expect(t.encode("a photo", contextLength: 2) == [t.startToken, t.endToken])
  }

  @Test func smallVocabularyInEveryGzipLayoutMatchesTransformers() throws {
    let dir = F.smallFolder
    let folder = try CLIPTokenizer(modelDirectory: dir.appendingPathComponent("hf"))
    var tokenizers = [("hf", folder)]
    for layout in ["stored", "fixed", "dynamic", "multimember"] {
      let gz = dir.appendingPathComponent("bpe_small_\(layout).txt.gz")
      tokenizers.append((layout, try CLIPTokenizer(openAIBPE: gz)))
    }
    for (name, t) in tokenizers {
      #expect(t.vocabularySize == F.small.vocabulary_size, "\(name)")
      #expect(t.vocabularySize == 512 + F.small.merges + 2, "\(name)")
      for c in F.small.cases {
        #expect(t.encode(c.text, contextLength: .max) == c.ids, "\(name): \(F.show(c.text))")
      }
    }
  }
}
