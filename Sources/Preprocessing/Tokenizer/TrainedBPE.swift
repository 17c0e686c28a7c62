import Foundation

/// A byte-level BPE vocabulary learned by `BPETrainer`, in CLIP's layout: ids 0..<256 are the byte
/// symbols (in `bytes_to_unicode` order), 256..<512 the same symbols with `</w>`, then one token per
/// merge in rank order, then `<|startoftext|>` and `<|endoftext|>`. (A merge whose result an earlier
/// merge already made adds no token, as in Hugging Face's trainer; real corpora rarely have one.)
public struct TrainedBPE: Equatable, Sendable {
  /// A merge rule: two adjacent tokens that become one, their concatenation.
  public struct Merge: Hashable, Sendable {
    public let left: String
    public let right: String
  }

  /// Token strings (byte-level, as in `vocab.json`) in id order.
  public let tokens: [String]
  /// Merge rules in rank order: the tokenizer applies lower ranks first.
  public let merges: [Merge]

  init(tokens: [[UInt8]], merges: [(left: [UInt8], right: [UInt8])]) {
    self.tokens = tokens.map { String(decoding: $0, as: UTF8.self) }
    self.merges = merges.map { Merge(left: String(decoding: $0.left, as: UTF8.self), right: String(decoding: $0.right, as: UTF8.self)) }
  }

  /// Writes Hugging Face's `vocab.json` and `merges.txt` (first line `#version: 0.2`) into
  /// `directory`, creating it if needed. Each file is written atomically (a temporary file, then a
  /// rename), replacing any earlier one. `CLIPTokenizer(modelDirectory:)` and transformers'
  /// `CLIPTokenizer.from_pretrained` load the folder.
  /// - Throws: `TokenizerError` (`.unwritable`) naming the folder or file that could not be written.
  public func write(to directory: URL) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw TokenizerError(.unwritable, file: directory, "cannot create the folder (\(error.localizedDescription))")
    }
    try TokenizerFiles.write(VocabularyJSON.encode(tokens.map { Array($0.utf8) }),
                             to: directory.appendingPathComponent("vocab.json"))
    try TokenizerFiles.write(TokenizerFiles.mergesTxt(merges.map { (Array($0.left.utf8), Array($0.right.utf8)) }),
                             to: directory.appendingPathComponent("merges.txt"))
  }

  /// A tokenizer with this vocabulary: the same as `CLIPTokenizer(modelDirectory:)` on the folder
  /// `write(to:)` fills.
  public func makeTokenizer() -> CLIPTokenizer {
    let vocabulary = tokens.enumerated().map { (token: Array($0.element.utf8), id: $0.offset) }
    // Line numbers as in merges.txt, after the version line.
    let mergeList = merges.enumerated().map { (left: Array($0.element.left.utf8), right: Array($0.element.right.utf8), line: $0.offset + 2) }
    let source = URL(fileURLWithPath: "trained-bpe", isDirectory: true)
    do {
      return try CLIPTokenizer(vocabulary: vocabulary, merges: mergeList,
                               vocabularyFile: source.appendingPathComponent("vocab.json"),
                               mergesFile: source.appendingPathComponent("merges.txt"))
    } catch {
      preconditionFailure("BPETrainer made an inconsistent vocabulary: \(error)")
    }
  }
}
