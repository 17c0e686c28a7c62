import ArgumentParser
import Foundation
import Preprocessing

/// `cliptune tokenize`: one JSON array of token ids per input line. A CLIP folder gives ids with start
/// and end tokens, unpadded, truncated to the context length; a GPT-2 folder (see
/// `TokenizerFamily.detect`) gives GPT-2's ids as they are: no tokens added, no truncation.
struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print CLIP or GPT-2 token ids for each line of a text file.",
    discussion: """
      The tokenizer is GPT-2's when the folder's config.json has model_type "gpt2", or when there is \
      no config.json (or no model_type) and no token of vocab.json ends in </w>; CLIP's otherwise.
      """)
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Folder with vocab.json and merges.txt (CLIP or GPT-2).") var model: String
  @Option(help: "A UTF-8 file with one text per line.") var texts: String
  @Option(help: "CLIP only: truncate to this many tokens, end token kept last (default 77).") var contextLength: Int?

  func validate() throws {
    if let contextLength, !(2...65536).contains(contextLength) {
      throw ValidationError("--context-length must be in 2...65536 (at least the start and end tokens), got \(contextLength)")
    }
  }

  func run() throws {
    compute.apply()
    let lines = try InputFiles.lines(texts, what: "texts")
    let folder = URL(fileURLWithPath: model)
    let batch: [[Int]]
    switch try TokenizerFamily.detect(modelDirectory: folder) {
    case .clip:
      let tokenizer = try CLIPTokenizer(modelDirectory: folder)
      batch = tokenizer.encode(batch: lines, contextLength: contextLength ?? 77)
    case .gpt2:
      if contextLength != nil {
        throw ValidationError("--context-length is for CLIP tokenizers; \(model) holds a GPT-2 tokenizer, which never truncates")
      }
      batch = try GPT2Tokenizer(modelDirectory: folder).encode(batch: lines)
    }
    var out = ""
    for ids in batch {
      out += "[" + ids.map(String.init).joined(separator: ", ") + "]\n"
    }
    FileHandle.standardOutput.write(Data(out.utf8))
  }
}
