import ArgumentParser
import Foundation
import Preprocessing

/// `cliptune tokenize`: one JSON array of token ids per input line (with start and end tokens,
/// unpadded, truncated to the context length).
struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Print CLIP token ids for each line of a text file.")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Folder with vocab.json and merges.txt.") var model: String
  @Option(help: "A UTF-8 file with one text per line.") var texts: String
  @Option(help: "Truncate to this many tokens, end token kept last.") var contextLength: Int = 77

  func validate() throws {
    guard (2...65536).contains(contextLength) else {
      throw ValidationError("--context-length must be in 2...65536 (at least the start and end tokens), got \(contextLength)")
    }
  }

  func run() throws {
    compute.apply()
    let lines = try InputFiles.lines(texts, what: "texts")
    let tokenizer = try CLIPTokenizer(modelDirectory: URL(fileURLWithPath: model))
    var out = ""
    for ids in tokenizer.encode(batch: lines, contextLength: contextLength) {
      out += "[" + ids.map(String.init).joined(separator: ", ") + "]\n"
    }
    FileHandle.standardOutput.write(Data(out.utf8))
  }
}
