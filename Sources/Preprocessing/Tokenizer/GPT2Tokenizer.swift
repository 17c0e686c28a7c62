import Foundation
import Tensors

/// GPT-2's byte-level BPE tokenizer, producing the same ids as Hugging Face transformers'
/// `GPT2Tokenizer` (the `tokenizers`-backed class of transformers 5, which gives the ids of the
/// original Python tokenizer for these files): GPT-2's split regex on the raw text (no
/// normalization, no lowercasing), the text's UTF-8 bytes as byte symbols, merges by rank, no `</w>`.
/// No start or end token is added and nothing is truncated.
///
/// `<|endoftext|>` is a special token, as transformers registers it: written literally in the text
/// (case-sensitive) it becomes its id (50256 in GPT-2's vocabulary), so `"hello<|endoftext|>"`
/// ends with that id. No other vocabulary entry is special. A byte symbol missing from the
/// vocabulary is dropped (GPT-2's BPE model has no unknown token).
///
/// Thread-safe: the word cache is shared behind a lock; everything else is immutable.
public final class GPT2Tokenizer: @unchecked Sendable {
  private let model: BPEModel

  /// `<|endoftext|>`, GPT-2's only special token.
  public static let endOfText = "<|endoftext|>"
  private static let endOfTextUTF8 = Array(endOfText.utf8)

  /// Id of `<|endoftext|>` (50256 in GPT-2's vocabulary). When `vocab.json` lacks it, transformers
  /// adds it after the vocabulary, with id = the number of tokens; so does this tokenizer.
  public let endToken: Int

  /// Number of tokens, `<|endoftext|>` included (50257 for GPT-2).
  public let vocabularySize: Int

  /// The largest token id (50256 for GPT-2): a model's token embedding needs more rows than this.
  public var largestID: Int { max(model.largestID, endToken) }

  /// Loads a Hugging Face tokenizer: `vocab.json` (token → id) and `merges.txt` (a `#version` line,
  /// then one `left right` merge per line, in rank order).
  /// - Throws: `TokenizerError` naming the file for a missing or malformed file or a merge whose
  ///   tokens are not in the vocabulary.
  public convenience init(vocabJSON: URL, merges: URL) throws {
    let (vocabulary, mergeList) = try TokenizerFiles.readVocabularyAndMerges(vocabJSON: vocabJSON, merges: merges)
    try self.init(vocabulary: vocabulary, merges: mergeList, vocabularyFile: vocabJSON, mergesFile: merges)
  }

  /// Loads `vocab.json` and `merges.txt` from a Hugging Face model (or tokenizer) folder.
  /// - Throws: `TokenizerError` naming the folder if it or either file is missing.
  public convenience init(modelDirectory: URL) throws {
    let (vocab, merges) = try TokenizerFiles.folderFiles(modelDirectory, tokenizer: "a GPT-2 tokenizer")
    try self.init(vocabJSON: vocab, merges: merges)
  }

  /// A tokenizer over an in-memory vocabulary; the URLs name the sources in errors.
  init(vocabulary: TokenizerFiles.Vocabulary, merges: TokenizerFiles.Merges,
       vocabularyFile: URL, mergesFile: URL) throws {
    model = try BPEModel(vocabulary: vocabulary, merges: merges, endOfWordSuffix: [], unknownToken: nil,
                         mergesFile: mergesFile, vocabularyFile: vocabularyFile)
    if let id = model.tokenToID[Self.endOfTextUTF8] {
      endToken = id
      vocabularySize = model.count
    } else {
      endToken = model.count
      vocabularySize = model.count + 1
      if let other = model.idToToken[endToken] {
        throw TokenizerError(.missingSpecialToken, file: vocabularyFile,
                             "the vocabulary has no '\(Self.endOfText)' token, and the id it would get (\(endToken), the number of tokens) is taken by '\(String(decoding: other, as: UTF8.self))'")
      }
    }
  }

  /// Token ids, as transformers' `GPT2Tokenizer(text)["input_ids"]`: no start or end token, no
  /// truncation; a literal `<|endoftext|>` becomes `endToken`. The empty string gives `[]`.
  public func encode(_ text: String) -> [Int] {
    var ids: [Int] = []
    GPT2PreTokenizer.forEach(in: text, specialToken: Self.endOfTextUTF8,
                             special: { ids.append(endToken) },
                             word: { model.tokenize($0, into: &ids) })
    return ids
  }

  /// `encode` for each text (in parallel over texts), in the same order.
  public func encode(batch texts: [String]) -> [[Int]] {
    var results = [[Int]](repeating: [], count: texts.count)
    results.withUnsafeMutableBufferPointer { out in
      let base = out.baseAddress
      Parallel.forEach(texts.count, grain: 64) { range in
        for i in range { base![i] = encode(texts[i]) }
      }
    }
    return results
  }

  /// Text for ids, as transformers' `GPT2Tokenizer.decode` (byte-level, `errors="replace"`): each
  /// token's byte symbols become bytes, and bytes that are not valid UTF-8 become U+FFFD (one per
  /// maximal invalid subsequence). Nothing is stripped or cleaned up, so `decode(encode(s)) == s`
  /// for every string. `<|endoftext|>` appears as its text unless `skipSpecialTokens`; ids not in
  /// the vocabulary are ignored.
  public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
    var bytes: [UInt8] = []
    for id in ids {
      if id == endToken {
        if !skipSpecialTokens { bytes += Self.endOfTextUTF8 }
      } else if let token = model.idToToken[id] {
        ByteLevel.appendDecoded(token, to: &bytes)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
