import Foundation
import Preprocessing
import TestSupport
import Testing

/// `BPETrainer`: hand-checked merges, CLIP's vocabulary layout, files that `CLIPTokenizer` loads,
/// determinism, limits and write errors.
@Suite struct BPETrainerTests {
  /// Captions like the synthetic shapes data: 144 texts over 24 distinct words and two punctuation marks.
  static let captions: [String] = {
    let colors = ["red", "green", "blue", "yellow", "purple", "orange"]
    let shapes = ["circle", "square", "triangle", "star"]
    let places = ["top left", "top right", "bottom left", "bottom right", "center"]
    var texts: [String] = []
    for color in colors {
      for shape in shapes {
        for place in places { texts.append("a \(color) \(shape) in the \(place)") }
        texts.append("two \(color) \(shape)s, both \(color).")
      }
    }
    return texts
  }()

  /// Byte symbols in `bytes_to_unicode` order, written out independently of `ByteLevel`.
  static let byteSymbolsInVocabularyOrder: [String] = {
    let isPrintable = { (b: Int) in (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) }
    let order = (0...255).filter(isPrintable) + (0...255).filter { !isPrintable($0) }
    return order.map { TokenizerLoadingTests.byteSymbols[$0] }
  }()

  static func merges(_ trained: TrainedBPE) -> [String] { trained.merges.map { "\($0.left) \($0.right)" } }

  /// Writes `trained` into a fresh folder and loads it back.
  static func roundTrip(_ trained: TrainedBPE) throws -> (folder: URL, tokenizer: CLIPTokenizer) {
    let folder = Fixtures.temporaryDirectory("bpe-trainer").appendingPathComponent("tokenizer")
    try trained.write(to: folder)
    return (folder, try CLIPTokenizer(modelDirectory: folder))
  }

  @Test func handCheckedMerges() throws {
    // Words: "aaa" twice, "aab" once. Pairs: (a a) 3, (a a</w>) 2, (a b</w>) 1, so "a a" first; then
    // (aa a</w>) 2 before (aa b</w>) 1.
    let trained = BPETrainer().train(["aaa aab", "AAA"])
    #expect(Self.merges(trained) == ["a a", "aa a</w>", "aa b</w>"])
    #expect(Array(trained.tokens[512...]) == ["aa", "aaa</w>", "aab</w>", "<|startoftext|>", "<|endoftext|>"])
    let t = trained.makeTokenizer()
    // "aa" was no training word: `a` (byte 0x61, id 0x61 - 0x21) and `a</w>` (256 more).
    #expect(t.encode("aab aaa aa") == [515, 514, 513, 0x61 - 0x21, 256 + 0x61 - 0x21, 516])
  }

  @Test func tiesGoToTheSmallerTokens() {
    // "aaaa": (a a) occurs twice; merged left to right it gives "aa a a</w>", where (a a</w>) and
    // (aa a) tie and "a" < "aa".
    #expect(Self.merges(BPETrainer().train(["aaaa"])) == ["a a", "a a</w>", "aa aa</w>"])
    // (x y</w>) and (y x</w>) tie; the smaller left token wins, whichever text comes first.
    #expect(Self.merges(BPETrainer().train(["yx xy"])) == ["x y</w>", "y x</w>"])
    #expect(Self.merges(BPETrainer(maxVocabularySize: 515).train(["yx", "xy"])) == ["x y</w>"])
  }

  @Test func minPairFrequencyStopsTraining() {
    let trained = BPETrainer(minPairFrequency: 2).train(["aaa aab", "aaa"])
    #expect(Self.merges(trained) == ["a a", "aa a</w>"])
  }

  @Test func vocabularyLayout() throws {
    let trained = BPETrainer().train(Self.captions)
    #expect(Array(trained.tokens[0..<256]) == Self.byteSymbolsInVocabularyOrder)
    #expect(Array(trained.tokens[256..<512]) == Self.byteSymbolsInVocabularyOrder.map { $0 + "</w>" })
    #expect(Array(trained.tokens[512..<(trained.tokens.count - 2)]) == trained.merges.map { $0.left + $0.right })
    #expect(Array(trained.tokens.suffix(2)) == ["<|startoftext|>", "<|endoftext|>"])
    let (_, t) = try Self.roundTrip(trained)
    #expect(t.vocabularySize == trained.tokens.count)
    #expect(t.startToken == trained.tokens.count - 2 && t.endToken == trained.tokens.count - 1)
  }

  @Test func everyTrainingWordIsOneToken() throws {
    let trained = BPETrainer().train(Self.captions)
    let (_, fromFiles) = try Self.roundTrip(trained)
    let inMemory = trained.makeTokenizer()
    for text in Self.captions {
      let ids = fromFiles.encode(text, contextLength: .max)
      #expect(inMemory.encode(text, contextLength: .max) == ids)
      // One token per word or punctuation mark: every token ends a word.
      let inner = ids.dropFirst().dropLast()
      #expect(inner.allSatisfy { trained.tokens[$0].hasSuffix("</w>") }, "\(text): \(inner.map { trained.tokens[$0] })")
      let words = text.replacingOccurrences(of: ",", with: " ,").replacingOccurrences(of: ".", with: " .")
      #expect(inner.count == words.split(separator: " ").count, "\(text)")
      #expect(fromFiles.decode(ids, skipSpecialTokens: true) == words)
    }
    #expect(fromFiles.decode(fromFiles.encode("Two RED stars, both red.")) == "<|startoftext|>two red stars , both red . <|endoftext|>")
  }

  @Test func unseenTextFallsBackToSmallerPieces() throws {
    let trained = BPETrainer().train(Self.captions)
    let (_, t) = try Self.roundTrip(trained)
    for text in ["a pink hexagon", "stars & circles !", "zebra", "café ☃ 4"] {
      let ids = t.encode(text, contextLength: .max)
      #expect(!ids.dropFirst().dropLast().contains(t.endToken), "\(text) has an unknown token")
      #expect(t.decode(ids, skipSpecialTokens: true) == text)
    }
    #expect(t.encode("zebra").count > 3)  // no training word: several pieces
  }

  @Test func filesAreDeterministicAndIndependentOfTextOrder() throws {
    func files(_ texts: [String]) throws -> [Data] {
      let (folder, _) = try Self.roundTrip(BPETrainer().train(texts))
      return try ["vocab.json", "merges.txt"].map { try Data(contentsOf: folder.appendingPathComponent($0)) }
    }
    var rng = SplitMix64(seed: 11)
    let reference = try files(Self.captions)
    #expect(try files(Self.captions) == reference)
    #expect(try files(Self.captions.reversed()) == reference)
    #expect(try files(Self.captions.shuffled(using: &rng)) == reference)
    #expect(String(decoding: reference[1], as: UTF8.self).hasPrefix("#version: 0.2\n"))
  }

  @Test func maxVocabularySizeIsRespected() throws {
    let full = BPETrainer().train(Self.captions)
    for size in [514, 515, 530, full.tokens.count] {
      let trained = BPETrainer(maxVocabularySize: size).train(Self.captions)
      #expect(trained.tokens.count == size)
      #expect(trained.merges.count == size - 514)
      #expect(trained.merges == Array(full.merges.prefix(size - 514)))  // the same merges, stopped early
      #expect(try Self.roundTrip(trained).tokenizer.vocabularySize == size)
    }
    // Room to spare: training stops when every word is one token.
    #expect(BPETrainer(maxVocabularySize: full.tokens.count + 100).train(Self.captions) == full)
  }

  @Test func escapedCharactersSurviveVocabJSON() throws {
    // `"` and `\` are tokens of their own and, here, parts of merged tokens.
    let texts = [#"say \"hi\" \\ "quoted""#, #"\"\" \\"#]
    let trained = BPETrainer().train(texts)
    #expect(trained.tokens.contains(#"\"</w>"#))
    let (folder, t) = try Self.roundTrip(trained)
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("vocab.json")))
    #expect((json as? [String: Int])?.count == trained.tokens.count)
    for text in texts {
      #expect(t.encode(text) == trained.makeTokenizer().encode(text))
      #expect(t.decode(t.encode(text), skipSpecialTokens: true).filter { $0 != " " } == text.filter { $0 != " " })
    }
  }

  @Test func emptyCorpusGivesTheBaseVocabulary() {
    let trained = BPETrainer().train([String]())
    #expect(trained.tokens.count == 514 && trained.merges.isEmpty)
    #expect(trained.makeTokenizer().encode("hi") == [512, 0x68 - 0x21, 256 + 0x69 - 0x21, 513])
  }

  @Test func unwritableFolderIsNamed() throws {
    let root = Fixtures.temporaryDirectory("bpe-trainer")
    let file = root.appendingPathComponent("not-a-folder")
    try Data("x".utf8).write(to: file)
    let trained = BPETrainer().train(["a cat"])

    let inside = file.appendingPathComponent("tokenizer")
    let e1 = #expect(throws: TokenizerError.self) { try trained.write(to: inside) }
    #expect(e1?.kind == .unwritable)
    #expect(e1?.file == inside)
    #expect(e1?.description.contains(inside.path) == true)

    // The folder exists but vocab.json cannot replace a folder of that name.
    let blocked = root.appendingPathComponent("blocked")
    try FileManager.default.createDirectory(at: blocked.appendingPathComponent("vocab.json/x"), withIntermediateDirectories: true)
    let e2 = #expect(throws: TokenizerError.self) { try trained.write(to: blocked) }
    #expect(e2?.kind == .unwritable)
    #expect(e2?.file.lastPathComponent == "vocab.json")
  }
}

/// Recounting every pair before every merge, the textbook way, to check the trainer's incremental counts.
extension BPETrainerTests {
  /// Merges ("left right") of plain BPE on words made of ASCII letters, trained to completion.
  static func referenceMerges(_ texts: [String]) -> [String] {
    var words: [[String]: Int] = [:]
    for word in texts.flatMap({ $0.split(separator: " ") }) {
      var symbols = word.map(String.init)
      symbols[symbols.count - 1] += "</w>"
      words[symbols, default: 0] += 1
    }
    var merges: [String] = []
    while true {
      var counts: [[String]: Int] = [:]
      for (symbols, n) in words {
        for i in symbols.indices.dropLast() { counts[[symbols[i], symbols[i + 1]], default: 0] += n }
      }
      let best = counts.min { a, b in
        a.value != b.value ? a.value > b.value
          : Array(a.key[0].utf8) != Array(b.key[0].utf8) ? Array(a.key[0].utf8).lexicographicallyPrecedes(b.key[0].utf8)
          : Array(a.key[1].utf8).lexicographicallyPrecedes(b.key[1].utf8)
      }
      guard let pair = best?.key else { return merges }
      merges.append("\(pair[0]) \(pair[1])")
      var merged: [[String]: Int] = [:]
      for (symbols, n) in words {
        var out: [String] = [], i = 0
        while i < symbols.count {
          if i + 1 < symbols.count, [symbols[i], symbols[i + 1]] == pair {
            out.append(pair[0] + pair[1])
            i += 2
          } else {
            out.append(symbols[i])
            i += 1
          }
        }
        merged[out, default: 0] += n
      }
      words = merged
    }
  }

  /// Random words over two or three letters: long runs of one letter and many ties.
  @Test(arguments: 1...6)
  func matchesRecountingEveryPair(seed: Int) throws {
    var rng = SplitMix64(seed: UInt64(seed))
    let letters = Array(seed.isMultiple(of: 2) ? "ab" : "abc")
    let texts = (0..<100).map { _ in
      String((0..<Int.random(in: 1...12, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
    }
    let trained = BPETrainer().train(texts)
    let ours = Self.merges(trained), reference = Self.referenceMerges(texts)
    let firstDifference = (0..<max(ours.count, reference.count)).first {
      $0 >= ours.count || $0 >= reference.count || ours[$0] != reference[$0]
    }
    #expect(firstDifference == nil, "merge \(firstDifference ?? 0) of \(reference.count) differs")
    let t = trained.makeTokenizer()
    #expect(texts.allSatisfy { t.encode($0).count == 3 })
  }
}
