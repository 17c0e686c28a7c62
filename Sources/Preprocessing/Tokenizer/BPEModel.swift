import Foundation

/// A merge candidate: lowest rank first, then leftmost position (as `tokenizers`' `Merge` ordering).
private struct MergeCandidate {
  /// `rank << 32 | position`: comparing keys compares (rank, position).
  var key: UInt64
  var newID: Int32
}

/// Byte-level BPE over vocabulary ids, with an optional end-of-word suffix (`</w>` for CLIP, none for
/// GPT-2). Follows the `tokenizers` BPE model (`merge_word` + `Word::merge_all`) that transformers'
/// CLIPTokenizer and GPT2Tokenizer run: a word's bytes become their byte symbols (the last one with
/// the suffix; a symbol missing from the vocabulary becomes the unknown token, or is dropped when
/// there is none, as GPT-2's model has none), then the lowest-ranked adjacent pair is merged until
/// none is left.
final class BPEModel: @unchecked Sendable {
  /// Token (UTF-8 bytes of its byte-level string) → id.
  let tokenToID: [[UInt8]: Int]
  /// Id → token, for decoding.
  let idToToken: [Int: [UInt8]]
  /// `left << 32 | right` → `rank << 32 | merged id`.
  private let merges: [UInt64: UInt64]
  /// Id of each byte's symbol inside a word / at the end of a word (`+ endOfWordSuffix`); -1 if missing.
  private let inner: [Int32]
  private let final: [Int32]
  /// -1 when there is no unknown token (missing symbols are dropped).
  private let unknownID: Int32
  private let cache = WordCache()

  /// Number of distinct tokens.
  var count: Int { tokenToID.count }
  /// The largest id in the vocabulary (-1 when it is empty).
  let largestID: Int

  /// - Parameters:
  ///   - vocabulary: token → id pairs; a repeated token keeps its last id.
  ///   - merges: pairs in rank order, with the line each came from (for errors). A repeated pair
  ///     keeps its last rank.
  ///   - endOfWordSuffix: appended to a word's last byte symbol (`</w>` for CLIP, empty for GPT-2).
  ///   - unknownToken: the token used for byte symbols the vocabulary lacks; nil drops them.
  init(vocabulary: [(token: [UInt8], id: Int)], merges: [(left: [UInt8], right: [UInt8], line: Int)],
       endOfWordSuffix: [UInt8], unknownToken: [UInt8]?, mergesFile: URL, vocabularyFile: URL) throws {
    var tokenToID: [[UInt8]: Int] = [:]
    tokenToID.reserveCapacity(vocabulary.count)
    for (token, id) in vocabulary { tokenToID[token] = id }
    var idToToken: [Int: [UInt8]] = [:]
    idToToken.reserveCapacity(tokenToID.count)
    func show(_ t: [UInt8]) -> String { "'" + String(decoding: t, as: UTF8.self) + "'" }
    for (token, id) in vocabulary where tokenToID[token] == id {  // in file order, for the message
      if let other = idToToken[id], other != token {
        throw TokenizerError(.malformedVocabulary, file: vocabularyFile,
                             "tokens \(show(other)) and \(show(token)) both have id \(id) (ids must be unique)")
      }
      idToToken[id] = token
    }

    var mergeMap: [UInt64: UInt64] = [:]
    mergeMap.reserveCapacity(merges.count)
    for (rank, m) in merges.enumerated() {
      for part in [m.left, m.right, m.left + m.right] where tokenToID[part] == nil {
        throw TokenizerError(.malformedMerges, file: mergesFile,
                             "line \(m.line): token \(show(part)) of merge \(show(m.left)) \(show(m.right)) is not in the vocabulary (\(vocabularyFile.lastPathComponent))")
      }
      let key = UInt64(tokenToID[m.left]!) << 32 | UInt64(tokenToID[m.right]!)
      mergeMap[key] = UInt64(rank) << 32 | UInt64(tokenToID[m.left + m.right]!)
    }

    var unknown = -1
    if let unknownToken {
      guard let id = tokenToID[unknownToken] else {
        throw TokenizerError(.missingSpecialToken, file: vocabularyFile,
                             "the vocabulary has no \(show(unknownToken)) token")
      }
      unknown = id
    }
    var inner = [Int32](repeating: -1, count: 256), final = inner
    for b in 0...255 {
      let symbol = ByteLevel.symbolUTF8(UInt8(b))
      inner[b] = tokenToID[symbol].map(Int32.init) ?? -1
      final[b] = tokenToID[symbol + endOfWordSuffix].map(Int32.init) ?? -1
    }
    self.tokenToID = tokenToID
    self.idToToken = idToToken
    self.largestID = idToToken.keys.max() ?? -1
    self.merges = mergeMap
    self.inner = inner
    self.final = final
    self.unknownID = Int32(unknown)
  }

  /// Appends the ids of one pre-tokenized word (its UTF-8 bytes) to `out`.
  func tokenize(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int]) {
    let n = word.count
    if n == 0 { return }
    if n == 1 {
      let id = final[Int(word[0])]
      if id >= 0 || unknownID >= 0 { out.append(Int(id >= 0 ? id : unknownID)) }
      return
    }
    if cache.lookup(word, into: &out) { return }
    let ids = merge(word)
    out.append(contentsOf: ids.lazy.map { Int($0) })
    cache.store(word, ids)
  }

  private func pairInfo(_ a: Int32, _ b: Int32) -> UInt64? {
    merges[UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))]
  }

  /// `Word::merge_all`: merges by rank with a priority queue over a linked list of symbols.
  private func merge(_ word: UnsafeBufferPointer<UInt8>) -> [Int32] {
    var ids: [Int32] = []
    ids.reserveCapacity(word.count)
    for i in 0..<word.count {
      let id = (i == word.count - 1 ? final : inner)[Int(word[i])]
      if id >= 0 || unknownID >= 0 { ids.append(id >= 0 ? id : unknownID) }
    }
    let n = ids.count
    if n < 2 { return ids }
    var prev = [Int](repeating: -1, count: n)
    var next = [Int](repeating: -1, count: n)
    var alive = [Bool](repeating: true, count: n)
    for i in 0..<n {
      prev[i] = i - 1
      next[i] = i + 1 < n ? i + 1 : -1
    }
    var heap: [MergeCandidate] = []
    heap.reserveCapacity(n)
    func push(_ c: MergeCandidate) {
      heap.append(c)
      var child = heap.count - 1
      while child > 0 {
        let parent = (child - 1) / 2
        if heap[parent].key <= heap[child].key { break }
        heap.swapAt(parent, child)
        child = parent
      }
    }
    func pop() -> MergeCandidate {
      let top = heap[0]
      let last = heap.removeLast()
      if !heap.isEmpty {
        heap[0] = last
        var parent = 0
        while true {
          let l = 2 * parent + 1, r = l + 1
          var smallest = parent
          if l < heap.count, heap[l].key < heap[smallest].key { smallest = l }
          if r < heap.count, heap[r].key < heap[smallest].key { smallest = r }
          if smallest == parent { break }
          heap.swapAt(parent, smallest)
          parent = smallest
        }
      }
      return top
    }
    func candidate(at pos: Int, _ info: UInt64) -> MergeCandidate {
      MergeCandidate(key: (info >> 32) << 32 | UInt64(pos), newID: Int32(truncatingIfNeeded: info & 0xFFFF_FFFF))
    }
    for i in 0..<(n - 1) {
      if let info = pairInfo(ids[i], ids[i + 1]) { push(candidate(at: i, info)) }
    }
    while !heap.isEmpty {
      let top = pop()
      let pos = Int(top.key & 0xFFFF_FFFF)
      if !alive[pos] { continue }
      let right = next[pos]
      if right < 0 { continue }
      // Skip stale entries: the pair at `pos` must still produce the same token.
      guard let info = pairInfo(ids[pos], ids[right]), Int32(truncatingIfNeeded: info & 0xFFFF_FFFF) == top.newID else {
        continue
      }
      ids[pos] = top.newID
      alive[right] = false
      let after = next[right]
      next[pos] = after
      if after >= 0 { prev[after] = pos }
      let before = prev[pos]
      if before >= 0, let info = pairInfo(ids[before], ids[pos]) { push(candidate(at: before, info)) }
      if after >= 0, let info = pairInfo(ids[pos], ids[after]) { push(candidate(at: pos, info)) }
    }
    var result: [Int32] = []
    var i = 0
    while i >= 0 {
      result.append(ids[i])
      i = next[i]
    }
    return result
  }
}

/// Word → ids cache shared by all threads (as the `tokenizers` BPE cache: results never depend on
/// it). Bounded: once full, new words are no longer stored.
private final class WordCache: @unchecked Sendable {
  private var entries: [[UInt8]: [Int32]] = [:]
  private let lock = NSLock()
  private static let capacity = 200_000
  private static let maxWordLength = 256

  func lookup(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int]) -> Bool {
    if word.count > WordCache.maxWordLength { return false }
    let key = Array(word)
    lock.lock()
    defer { lock.unlock() }
    guard let ids = entries[key] else { return false }
    for id in ids { out.append(Int(id)) }
    return true
  }

  func store(_ word: UnsafeBufferPointer<UInt8>, _ ids: [Int32]) {
    if word.count > WordCache.maxWordLength { return }
    let key = Array(word)
    lock.lock()
    defer { lock.unlock() }
    if entries.count < WordCache.capacity { entries[key] = ids }
  }
}
