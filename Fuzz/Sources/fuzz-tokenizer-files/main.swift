import Foundation
import Preprocessing
import FuzzSupport

/// `vocab.json` and `merges.txt`: the input is split at its first NUL byte (vocab before, merges
/// after); a CLIP and a GPT-2 tokenizer that load then encode and decode a fixed text.
private let vocab = FuzzInputFile(name: "vocab.json")
private let merges = FuzzInputFile(name: "merges.txt")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = UnsafeBufferPointer(start: data, count: size)
  let cut = bytes.firstIndex(of: 0) ?? size
  vocab.write(bytes[..<cut])
  merges.write(bytes[min(cut + 1, size)...])
  let text = "a photo of a cat, 2 dogs! <|endoftext|> élan  it's\t😀"
  if let tokenizer = try? GPT2Tokenizer(vocabJSON: vocab.url, merges: merges.url) {
    let ids = tokenizer.encode(text)
    _ = tokenizer.decode(ids)
    _ = tokenizer.decode(ids, skipSpecialTokens: true)
  }
  guard let tokenizer = try? CLIPTokenizer(vocabJSON: vocab.url, merges: merges.url) else { return 0 }
  let ids = tokenizer.encode(text, contextLength: 77)
  _ = tokenizer.decode(ids)
  _ = tokenizer.decode(ids, skipSpecialTokens: true)
  return 0
}

runFuzzer(fuzz)
