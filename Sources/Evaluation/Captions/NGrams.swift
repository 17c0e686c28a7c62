/// The 1…n-gram counts of a tokenised caption, as pycocoevalcap's `precook` makes them: the
/// caption split on whitespace, each k-gram (k = 1…n) a key of its words joined by single spaces.
struct NGramCounts {
  /// Number of words.
  let length: Int
  /// Count of every k-gram, k = 1…n; `counts[k - 1]` holds the k-grams.
  let counts: [[String: Int]]

  /// Python's `str.split()` separators: `str.isspace()` characters.
  static func isPythonWhitespace(_ u: Unicode.Scalar) -> Bool {
    switch u.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
  }

  init(_ caption: String, n: Int = 4) {
    let words = caption.unicodeScalars.split(whereSeparator: Self.isPythonWhitespace).map { String(String.UnicodeScalarView($0)) }
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
