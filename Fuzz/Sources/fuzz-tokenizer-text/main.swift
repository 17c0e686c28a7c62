import Foundation
import Preprocessing
import FuzzSupport

/// Arbitrary bytes (as UTF-8, invalid sequences replaced) through a small fixed CLIP tokenizer
/// (encode at two context lengths, decode the ids back) and the committed tiny GPT-2 tokenizer
/// (encode, decode, which must give the text back exactly).
private let tokenizer: CLIPTokenizer = BPETrainer(maxVocabularySize: 700).train([
  "a photo of a cat", "a photo of a dog", "two dogs playing in the snow", "a red circle on a blue square",
  "Ünïcödé façade naïve café 東京 😀 — “quotes” and 'apostrophes' don't", "numbers 123 4567 89",
]).makeTokenizer()

private let gpt2: GPT2Tokenizer = {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  return try! GPT2Tokenizer(modelDirectory: root.appendingPathComponent("Tests/Fixtures/gpt2/tiny"))
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  for contextLength in [77, 3] {
    let ids = tokenizer.encode(text, contextLength: contextLength)
    _ = tokenizer.decode(ids)
    _ = tokenizer.decode(ids, skipSpecialTokens: true)
  }
  let ids = gpt2.encode(text)
  let back = gpt2.decode(ids)
  precondition(Array(back.unicodeScalars) == Array(text.unicodeScalars), "GPT-2 decode(encode(text)) differs from text")
  _ = gpt2.decode(ids, skipSpecialTokens: true)
  return 0
}

runFuzzer(fuzz)
