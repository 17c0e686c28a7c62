import Foundation
import Preprocessing
import FuzzSupport

/// OpenAI's gzip-compressed BPE file (`bpe_simple_vocab_16e6.txt.gz`): ClipTune's own inflate,
/// then the merges list.
private let input = FuzzInputFile(name: "bpe_simple_vocab_16e6.txt.gz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard let tokenizer = try? CLIPTokenizer(openAIBPE: input.write(data, size)) else { return 0 }
  _ = tokenizer.decode(tokenizer.encode("a photo of a cat"))
  return 0
}

runFuzzer(fuzz)
