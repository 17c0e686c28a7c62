import Foundation
import Tensors

/// CLIP's byte-level BPE tokenizer, producing the same ids as Hugging Face transformers'
/// `CLIPTokenizer` (the `tokenizers`-backed implementation, the only one in transformers 5):
/// NFC + whitespace + lowercase normalization, the CLIP split regex, byte-level BPE with `</w>`,
/// `<|startoftext|>` … `<|endoftext|>` around the ids. Literal `<|startoftext|>`/`<|endoftext|>` in
/// the input become those special tokens, as in transformers. No ftfy or HTML unescaping (that is
/// what open_clip adds; transformers does neither).
///
/// Thread-safe: the word cache is shared behind a lock; everything else is immutable.
public final class CLIPTokenizer: @unchecked Sendable {
  private let model: BPEModel

  /// Id of `<|startoftext|>` (49406 in the standard vocabulary).
  public let startToken: Int
  /// Id of `<|endoftext|>` (49407 in the standard vocabulary); also the unknown token.
  public let endToken: Int

  /// Number of tokens in the vocabulary (49408 for CLIP).
  public var vocabularySize: Int { model.count }

  /// The largest token id (49407 for CLIP): a model's token embedding needs more rows than this.
  public var largestID: Int { model.largestID }

  /// Loads a Hugging Face tokenizer: `vocab.json` (token → id) and `merges.txt` (a `#version` line,
  /// then one `left right` merge per line, in rank order).
  /// - Throws: `TokenizerError` naming the file for a missing or malformed file, a merge whose tokens
  ///   are not in the vocabulary, or a vocabulary without `<|startoftext|>`/`<|endoftext|>`.
  public convenience init(vocabJSON: URL, merges: URL) throws {
    let (vocabulary, mergeList) = try TokenizerFiles.readVocabularyAndMerges(vocabJSON: vocabJSON, merges: merges)
    try self.init(vocabulary: vocabulary, merges: mergeList, vocabularyFile: vocabJSON, mergesFile: merges)
  }

  /// Loads OpenAI's gzip-compressed BPE file (`bpe_simple_vocab_16e6.txt.gz`) and builds the
  /// vocabulary from it as OpenAI's `SimpleTokenizer` does (byte symbols, their `</w>` forms, merges
  /// 1...48894, `<|startoftext|>`, `<|endoftext|>`).
  /// - Throws: `TokenizerError` for a missing file, bad gzip data or a malformed merge line.
  public convenience init(openAIBPE gzFile: URL) throws {
    let compressed = try TokenizerFiles.read(gzFile)
    let text: [UInt8]
    do {
      text = try Gzip.decompress(compressed)
    } catch let failure as Gzip.Failure {
      throw TokenizerError(.malformedGzip, file: gzFile, failure.message)
    }
    let (vocabulary, merges) = try TokenizerFiles.parseOpenAIBPE(text, file: gzFile)
    try self.init(vocabulary: vocabulary, merges: merges, vocabularyFile: gzFile, mergesFile: gzFile)
  }

  /// Loads `vocab.json` and `merges.txt` from a Hugging Face model (or tokenizer) folder.
  /// - Throws: `TokenizerError` naming the folder if it or either file is missing.
  public convenience init(modelDirectory: URL) throws {
    let (vocab, merges) = try TokenizerFiles.folderFiles(modelDirectory, tokenizer: "a CLIP tokenizer")
    try self.init(vocabJSON: vocab, merges: merges)
  }

  /// A tokenizer over an in-memory vocabulary; the URLs name the sources in errors.
  init(vocabulary: TokenizerFiles.Vocabulary, merges: TokenizerFiles.Merges,
       vocabularyFile: URL, mergesFile: URL) throws {
    let startText = Array("<|startoftext|>".utf8), endText = Array("<|endoftext|>".utf8)
    model = try BPEModel(vocabulary: vocabulary, merges: merges, endOfWordSuffix: Array("</w>".utf8), unknownToken: endText,
                         mergesFile: mergesFile, vocabularyFile: vocabularyFile)
    guard let start = model.tokenToID[startText] else {
      throw TokenizerError(.missingSpecialToken, file: vocabularyFile, "the vocabulary has no '<|startoftext|>' token")
    }
    startToken = start
    endToken = model.tokenToID[endText]!  // checked by BPEModel (the unknown token)
  }

  /// Token ids with start and end tokens, truncated to `contextLength` (EOT kept as the last id),
  /// not padded. Same ids as transformers' `CLIPTokenizer(text, truncation=True,
  /// max_length=contextLength)["input_ids"]`; pass `Int.max` for no truncation.
  /// - Precondition: `contextLength >= 2`.
  public func encode(_ text: String, contextLength: Int = 77) -> [Int] {
    precondition(contextLength >= 2, "contextLength must leave room for the start and end tokens")
    let limit = contextLength - 2
    var ids = [startToken]
    CLIPPreTokenizer.forEach(in: text) { piece in
      switch piece {
      case .special(let isStart): ids.append(isStart ? startToken : endToken)
      case .word(let bytes): model.tokenize(bytes, into: &ids)
      }
      return ids.count - 1 < limit  // later words cannot change earlier ids
    }
    if ids.count - 1 > limit { ids.removeLast(ids.count - 1 - limit) }
    ids.append(endToken)
    return ids
  }

  /// `encode` for each text (in parallel over texts), in the same order.
  public func encode(batch texts: [String], contextLength: Int = 77) -> [[Int]] {
    var results = [[Int]](repeating: [], count: texts.count)
    results.withUnsafeMutableBufferPointer { out in
      let base = out.baseAddress
      Parallel.forEach(texts.count, grain: 64) { range in
        for i in range { base![i] = encode(texts[i], contextLength: contextLength) }
      }
    }
    return results
  }

  /// Text for ids, as transformers' `CLIPTokenizer.decode`: tokens are joined, byte symbols turned
  /// back into bytes (invalid UTF-8 becomes U+FFFD), every `</w>` becomes a space and surrounding
  /// whitespace is stripped. Special tokens appear as `<|startoftext|>`/`<|endoftext|>` unless
  /// `skipSpecialTokens`; ids not in the vocabulary are ignored.
  public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
    var bytes: [UInt8] = []
    for id in ids {
      if skipSpecialTokens, id == startToken || id == endToken { continue }
      guard let token = model.idToToken[id] else { continue }
      ByteLevel.appendDecoded(token, to: &bytes)
    }
    // Lossy UTF-8, then "</w>" → " " (ASCII, so replacing in the repaired UTF-8 is the same as in
    // the string), then Python's str.strip().
    let repaired = Array(String(decoding: bytes, as: UTF8.self).utf8)
    var replaced: [UInt8] = []
    replaced.reserveCapacity(repaired.count)
    let marker = Array("</w>".utf8)
    var i = 0
    while i < repaired.count {
      if repaired[i] == marker[0], repaired.count - i >= 4, Array(repaired[i..<(i + 4)]) == marker {
        replaced.append(UInt8(ascii: " "))
        i += 4
      } else {
        replaced.append(repaired[i])
        i += 1
      }
    }
    let scalars = String(decoding: replaced, as: UTF8.self).unicodeScalars
    guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }),
      let last = scalars.lastIndex(where: { !isPythonSpace($0) })
    else { return "" }
    return String(scalars[first...last])
  }
}
