import Foundation

/// Learns a CLIP-style byte-level BPE vocabulary from texts: Sennrich et al.'s BPE, the algorithm
/// behind CLIP's vocabulary. Every text is normalized and pre-tokenized exactly as `CLIPTokenizer`
/// does it; each word becomes its byte symbols, the last one with `</w>`; then the most frequent
/// adjacent pair of tokens (counted over all occurrences of all words) becomes a new token, again and again,
/// until the vocabulary is full or no pair occurs `minPairFrequency` times. Literal
/// `<|startoftext|>`/`<|endoftext|>` in a text are special tokens, not training words.
///
/// Deterministic: of equally frequent pairs, the one whose left token, then right token, is
/// smallest by UTF-8 bytes is merged first. The result depends only on how often each word
/// occurs, so neither the order of the texts nor hashing changes it. (Hugging Face's `BpeTrainer`
/// breaks ties by token id instead, so where counts tie the two can pick different, equally frequent
/// merges.)
///
/// Trained with the default `minPairFrequency` of 1 and room enough, every training word ends up a
/// single token.
///
/// `style: .gpt2` learns a GPT-2 vocabulary instead: words are `GPT2Tokenizer`'s pre-tokenizer
/// pieces (a leading space belongs to the word, as `Ġ`), the alphabet is the 256 byte symbols
/// without `</w>` forms, and the only special token is `<|endoftext|>`, the last id.
public struct BPETrainer: Sendable {
  /// Whose vocabulary to learn.
  public enum Style: Sendable { case clip, gpt2 }
  public let style: Style
  /// Size of the vocabulary to stop at, counting the 512 byte tokens and the two special tokens
  /// (CLIP's is 49408).
  public let maxVocabularySize: Int
  /// Merging stops once the most frequent pair occurs fewer times than this.
  public let minPairFrequency: Int

  /// - Precondition: `maxVocabularySize >= 514` (the byte tokens and the special tokens) and
  ///   `minPairFrequency >= 1`.
  public init(maxVocabularySize: Int = 49408, minPairFrequency: Int = 1, style: Style = .clip) {
    precondition(maxVocabularySize >= Self.baseTokens(style).count + Self.specialTokens(style).count,
                 "a vocabulary holds at least its byte tokens and special tokens")
    self.style = style
    precondition(minPairFrequency >= 1, "minPairFrequency must be at least 1")
    self.maxVocabularySize = maxVocabularySize
    self.minPairFrequency = minPairFrequency
  }

  /// The vocabulary and merges learned from `texts`.
  public func train(_ texts: some Sequence<String>) -> TrainedBPE {
    let counts = style == .clip ? Self.wordCounts(texts) : Self.gpt2WordCounts(texts)
    var training = BPETraining(wordCounts: counts, baseTokens: Self.baseTokens(style), endOfWord: style == .clip)
    let specials = Self.specialTokens(style)
    let learnable = maxVocabularySize - Self.baseTokens(style).count - specials.count
    while training.learnedTokenCount < learnable, let (pair, count) = training.mostFrequentPair(),
      count >= minPairFrequency {
      training.merge(pair)
    }
    return TrainedBPE(tokens: training.tokens + specials,
                      merges: training.merges.map { (training.tokens[Int($0.left)], training.tokens[Int($0.right)]) })
  }

  /// The alphabet: CLIP's 512 byte tokens (plain and `</w>`), or GPT-2's 256.
  static func baseTokens(_ style: Style) -> [[UInt8]] {
    style == .clip ? ByteLevel.baseTokens : Array(ByteLevel.baseTokens.prefix(ByteLevel.order.count))
  }

  static func specialTokens(_ style: Style) -> [[UInt8]] {
    style == .clip ? [Array("<|startoftext|>".utf8), Array("<|endoftext|>".utf8)] : [Array("<|endoftext|>".utf8)]
  }

  /// Each distinct GPT-2 pre-tokenizer piece of `texts` (raw UTF-8 bytes) and how often it occurs.
  static func gpt2WordCounts(_ texts: some Sequence<String>) -> [[UInt8]: Int] {
    var counts: [[UInt8]: Int] = [:]
    for text in texts {
      GPT2PreTokenizer.forEach(in: text, specialToken: Array("<|endoftext|>".utf8), special: {}) { piece in
        if !piece.isEmpty { counts[Array(piece), default: 0] += 1 }
      }
    }
    return counts
  }

  /// Each distinct word of `texts` (UTF-8, as `CLIPTokenizer` gives it to its BPE model) and how often it occurs.
  static func wordCounts(_ texts: some Sequence<String>) -> [[UInt8]: Int] {
    var counts: [[UInt8]: Int] = [:]
    for text in texts {
      CLIPPreTokenizer.forEach(in: text) { piece in
        if case .word(let bytes) = piece, !bytes.isEmpty { counts[Array(bytes), default: 0] += 1 }
        return true
      }
    }
    return counts
  }
}

/// Two adjacent tokens, by id.
private struct TokenPair: Hashable {
  var left: Int32
  var right: Int32
}

/// A distinct word of the corpus: its tokens so far and how often it occurs.
private struct CorpusWord {
  var tokens: [Int32]
  let count: Int

  var pairs: [TokenPair] { zip(tokens, tokens.dropFirst()).map(TokenPair.init) }

  /// Replaces the occurrences of `pair`, from left to right, with `merged`. Returns whether there
  /// was one. (Left to right, as `CLIPTokenizer` merges: `a a a` becomes `aa a`.)
  mutating func merge(_ pair: TokenPair, into merged: Int32) -> Bool {
    var result: [Int32] = []
    result.reserveCapacity(tokens.count)
    var i = 0
    while i < tokens.count {
      if i + 1 < tokens.count, tokens[i] == pair.left, tokens[i + 1] == pair.right {
        result.append(merged)
        i += 2
      } else {
        result.append(tokens[i])
        i += 1
      }
    }
    guard result.count < tokens.count else { return false }
    tokens = result
    return true
  }
}

/// A pair waiting in the queue with its count when it was pushed.
private struct Candidate: Comparable {
  let pair: TokenPair
  let count: Int
  let left: [UInt8], right: [UInt8]

  /// `a < b` when `a` is merged first: it is more frequent, or as frequent with a smaller left
  /// token, or the same left token and a smaller right token (by UTF-8 bytes).
  static func < (a: Candidate, b: Candidate) -> Bool {
    if a.count != b.count { return a.count > b.count }
    if a.left != b.left { return a.left.lexicographicallyPrecedes(b.left) }
    return a.right.lexicographicallyPrecedes(b.right)
  }
}

/// One training run: the vocabulary so far, the corpus words as tokens, and how often each adjacent
/// pair occurs. A merge recounts only the words that contain the pair.
private struct BPETraining {
  /// Tokens in id order, starting with the alphabet.
  private(set) var tokens: [[UInt8]]
  private let alphabetSize: Int
  /// Merges in rank order.
  private(set) var merges: [TokenPair] = []
  private var tokenIDs: [[UInt8]: Int32]
  private var words: [CorpusWord]
  private var pairCounts: [TokenPair: Int] = [:]
  /// Indices of the words each pair occurs in. A word may stay listed after the pair has left it.
  private var wordsWithPair: [TokenPair: Set<Int>] = [:]
  /// Every pair with its current count, plus outdated entries, skipped when popped.
  private var queue = PriorityQueue<Candidate>()

  /// Tokens added by merges so far.
  var learnedTokenCount: Int { tokens.count - alphabetSize }

  /// `baseTokens`: the byte symbols in `ByteLevel.order` (then, with `endOfWord`, their `</w>`
  /// forms, which every word's last symbol takes).
  init(wordCounts: [[UInt8]: Int], baseTokens: [[UInt8]], endOfWord: Bool) {
    tokens = baseTokens
    alphabetSize = baseTokens.count
    tokenIDs = Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($0.element, Int32($0.offset)) })
    var symbolID = [Int32](repeating: 0, count: 256)
    for (id, byte) in ByteLevel.order.enumerated() { symbolID[Int(byte)] = Int32(id) }
    let finalOffset = Int32(ByteLevel.order.count)
    words = wordCounts.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { word, count in
      var ids = word.map { symbolID[Int($0)] }
      if endOfWord { ids[ids.count - 1] += finalOffset }  // the `</w>` form of the last symbol
      return CorpusWord(tokens: ids, count: count)
    }
    for (index, word) in words.enumerated() {
      for pair in word.pairs {
        pairCounts[pair, default: 0] += word.count
        wordsWithPair[pair, default: []].insert(index)
      }
    }
    for (pair, count) in pairCounts { push(pair, count) }
  }

  private mutating func push(_ pair: TokenPair, _ count: Int) {
    queue.push(Candidate(pair: pair, count: count, left: tokens[Int(pair.left)], right: tokens[Int(pair.right)]))
  }

  /// The pair to merge next and its count, or nil if no pair is left.
  mutating func mostFrequentPair() -> (TokenPair, Int)? {
    while let top = queue.pop() {
      if pairCounts[top.pair] == top.count { return (top.pair, top.count) }
    }
    return nil
  }

  /// Merges `pair` everywhere into a token for the two joined, recounting the pairs of every word
  /// that changes. A merge whose result is already a token (another pair made it earlier) reuses that
  /// token's id, as Hugging Face's `BpeTrainer` does.
  mutating func merge(_ pair: TokenPair) {
    let joined = tokens[Int(pair.left)] + tokens[Int(pair.right)]
    let merged: Int32
    if let existing = tokenIDs[joined] {
      merged = existing
    } else {
      merged = Int32(tokens.count)
      tokens.append(joined)
      tokenIDs[joined] = merged
    }
    merges.append(pair)

    var change: [TokenPair: Int] = [:]
    for index in wordsWithPair.removeValue(forKey: pair) ?? [] {
      let before = words[index].pairs
      guard words[index].merge(pair, into: merged) else { continue }
      let count = words[index].count
      for p in before { change[p, default: 0] -= count }
      for p in words[index].pairs {
        change[p, default: 0] += count
        wordsWithPair[p, default: []].insert(index)
      }
    }
    for (p, delta) in change where delta != 0 {
      let count = pairCounts[p, default: 0] + delta
      if count > 0 {
        pairCounts[p] = count
        push(p, count)
      } else {
        pairCounts[p] = nil
      }
    }
  }
}
