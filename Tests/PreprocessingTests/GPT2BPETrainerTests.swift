import Foundation
import Preprocessing
import TestSupport
import Testing

/// `BPETrainer(style: .gpt2)`: a GPT-2 byte-level vocabulary learned from captions, which
/// `GPT2Tokenizer` loads and which turns each training word (with its leading space) into one token.
struct GPT2BPETrainerTests {
  let captions = ["a red circle on the left", "two blue squares", "a red square above a green triangle", "Ünïcode café"]

  @Test func learnedVocabularyLoadsAndRoundTrips() throws {
    let bpe = BPETrainer(maxVocabularySize: 1000, style: .gpt2).train(captions)
    #expect(bpe.tokens.first == String(Character(Unicode.Scalar(UInt8(ascii: "!")))))
    #expect(bpe.tokens.last == "<|endoftext|>")
    #expect(!bpe.tokens.contains { $0.hasSuffix("</w>") })
    let dir = Fixtures.temporaryDirectory("gpt2-bpe")
    try bpe.write(to: dir)
    let tokenizer = try GPT2Tokenizer(modelDirectory: dir)
    #expect(tokenizer.endToken == bpe.tokens.count - 1)
    for text in captions + ["a green circle", "unseen words: xyz!"] {
      #expect(tokenizer.decode(tokenizer.encode(text)) == text, "\(text)")
    }
    // Every training word is one token; "Ġred" (space + red) is one of them.
    #expect(tokenizer.encode("a red circle on the left").count == 6)
    #expect(bpe.tokens.contains("Ġred"))
  }

  @Test func vocabularyLimitIsKept() throws {
    let bpe = BPETrainer(maxVocabularySize: 260, style: .gpt2).train(captions)
    #expect(bpe.tokens.count == 260)  // 256 bytes, 3 merges, <|endoftext|>
  }
}
