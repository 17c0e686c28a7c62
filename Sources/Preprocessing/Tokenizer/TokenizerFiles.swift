import Foundation
import Tensors

/// Reading (and writing) the on-disk forms of the CLIP vocabulary.
enum TokenizerFiles {
  typealias Vocabulary = [(token: [UInt8], id: Int)]
  typealias Merges = [(left: [UInt8], right: [UInt8], line: Int)]

  /// Merges in OpenAI's file: lines 1...48894 after the header (`49152 - 256 - 2`).
  static let openAIMergeCount = 49152 - 256 - 2

  /// Tokenizer files above this size are refused unread (OpenAI's vocabulary is under 2 MB).
  static let maxFileBytes = 256 << 20

  static func read(_ url: URL) throws -> [UInt8] {
    guard InputFile.kind(url.path) != nil else {
      throw TokenizerError(.missingFile, file: url, "file does not exist")
    }
    do {
      return [UInt8](try InputFile.read(url.path, what: "tokenizer file", limit: maxFileBytes))
    } catch let e as InputFileError {
      throw TokenizerError(.unreadable, file: url, e.message)
    }
  }

  /// `vocab.json` and `merges.txt` of a Hugging Face model folder.
  /// - Throws: `TokenizerError` (`.missingFile`) naming the folder if it or either file is missing;
  ///   `tokenizer` ("a CLIP tokenizer") says in the message who needs the files.
  static func folderFiles(_ directory: URL, tokenizer: String) throws -> (vocab: URL, merges: URL) {
    guard InputFile.kind(directory.path) == .directory else {
      throw TokenizerError(.missingFile, file: directory, "model folder does not exist")
    }
    let vocab = directory.appendingPathComponent("vocab.json")
    let merges = directory.appendingPathComponent("merges.txt")
    for file in [vocab, merges] where InputFile.kind(file.path) == nil {
      throw TokenizerError(.missingFile, file: directory,
                           "model folder has no \(file.lastPathComponent) (\(tokenizer) needs vocab.json and merges.txt)")
    }
    return (vocab, merges)
  }

  /// Reads and parses `vocab.json` and `merges.txt`.
  static func readVocabularyAndMerges(vocabJSON: URL, merges: URL) throws -> (Vocabulary, Merges) {
    let vocabulary = try VocabularyJSON.parse(try read(vocabJSON), file: vocabJSON)
    return (vocabulary, try parseMergesTxt(try read(merges), file: merges))
  }

  /// Writes `bytes` to `url` atomically (a temporary file, then a rename).
  static func write(_ bytes: [UInt8], to url: URL) throws {
    do {
      try Data(bytes).write(to: url, options: .atomic)
    } catch {
      throw TokenizerError(.unwritable, file: url, "cannot be written (\(error.localizedDescription))")
    }
  }

  /// Hugging Face `merges.txt` text: a `#version: 0.2` line, then one `left right` line per merge, in
  /// rank order. (Byte-level tokens never contain a space or a newline: those bytes have symbols.)
  static func mergesTxt(_ merges: [(left: [UInt8], right: [UInt8])]) -> [UInt8] {
    var out = Array("#version: 0.2\n".utf8)
    for (left, right) in merges {
      out += left
      out.append(UInt8(ascii: " "))
      out += right
      out.append(UInt8(ascii: "\n"))
    }
    return out
  }

  /// Hugging Face `merges.txt`, read like `tokenizers`' `BPE::read_file`: every line that does not
  /// start with `#version` is `left right` (one space, exactly two parts); a trailing `\r` is
  /// dropped; a final newline does not make an empty line.
  static func parseMergesTxt(_ bytes: [UInt8], file: URL) throws -> Merges {
    guard isValidUTF8(bytes) else { throw TokenizerError(.malformedMerges, file: file, "is not UTF-8 text") }
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.last?.isEmpty == true { lines.removeLast() }
    let version = Array("#version".utf8)
    var merges: Merges = []
    merges.reserveCapacity(lines.count)
    for (index, rawLine) in lines.enumerated() {
      var line = rawLine
      if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
      if line.starts(with: version) { continue }
      let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
      guard parts.count == 2 else {
        throw TokenizerError(.malformedMerges, file: file,
                             "line \(index + 1): expected two tokens separated by one space, got \"\(String(decoding: line, as: UTF8.self))\"")
      }
      merges.append((Array(parts[0]), Array(parts[1]), index + 1))
    }
    return merges
  }

  /// OpenAI's `bpe_simple_vocab_16e6.txt` (already decompressed): a header line, then merges. As
  /// OpenAI's and open_clip's `SimpleTokenizer`: merges are lines 1...48894 (fewer if the file is
  /// shorter), each split on whitespace into two tokens; the vocabulary is the 256 byte symbols, the
  /// same with `</w>`, every merge joined, then `<|startoftext|>`, `<|endoftext|>`.
  static func parseOpenAIBPE(_ bytes: [UInt8], file: URL) throws -> (Vocabulary, Merges) {
    guard isValidUTF8(bytes) else { throw TokenizerError(.malformedMerges, file: file, "content is not UTF-8 text") }
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }  // final newline
    var merges: Merges = []
    for index in 1..<min(lines.count, openAIMergeCount + 1) {
      let text = String(decoding: lines[index], as: UTF8.self)
      let parts = text.unicodeScalars.split(whereSeparator: isPythonSpace)
      guard parts.count == 2 else {
        throw TokenizerError(.malformedMerges, file: file,
                             "line \(index + 1) of the decompressed text: expected two tokens, got \"\(text)\"")
      }
      merges.append((Array(String(parts[0]).utf8), Array(String(parts[1]).utf8), index + 1))
    }
    var tokens = ByteLevel.baseTokens
    tokens += merges.map { $0.left + $0.right }
    tokens += [Array("<|startoftext|>".utf8), Array("<|endoftext|>".utf8)]
    return (tokens.enumerated().map { ($0.element, $0.offset) }, merges)
  }
}
