/// The 1…n-gram counts of a tokenised caption, as pycocoevalcap's `precook` makes them: the
/// caption split on whitespace, each k-gram (k = 1…n) a key of its words joined by single spaces.
struct NGramCounts {
  /// Number of words.
  let length: Int
  /// Count of every k-gram, k = 1…n; `counts[k - 1]` holds the k-grams.
  let counts: [[String: Int]]

  init(_ caption: String, n: Int = 4) {
    let words = caption.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    length = words.count
    var counts = [[String: Int]](repeating: [:], count: n)
    for k in 1...n where words.count >= k {
      for i in 0...(words.count - k) {
        counts[k - 1][words[i..<(i + k)].joined(separator: " "), default: 0] += 1
      }
    }
    self.counts = counts
  }
}
