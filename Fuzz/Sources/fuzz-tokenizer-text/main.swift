import Foundation
import Preprocessing
import FuzzSupport

/// Arbitrary bytes (as UTF-8, invalid sequences replaced) through a small fixed tokenizer: encode
/// at two context lengths, decode the ids back.
private let tokenizer: CLIPTokenizer = BPETrainer(maxVocabularySize: 700).train([
  "a photo of a cat", "a photo of a dog", "two dogs playing in the snow", "a red circle on a blue square",
  "Ünïcödé façade naïve café 東京 😀 — “quotes” and 'apostrophes' don't", "numbers 123 4567 89",
]).makeTokenizer()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  for contextLength in [77, 3] {
    let ids = tokenizer.encode(text, contextLength: contextLength)
    _ = tokenizer.decode(ids)
    _ = tokenizer.decode(ids, skipSpecialTokens: true)
  }
  return 0
}

runFuzzer(fuzz)
