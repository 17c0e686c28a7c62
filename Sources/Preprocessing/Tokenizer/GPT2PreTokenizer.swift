/// Splits text into the words that transformers' (tokenizers-backed) GPT2Tokenizer feeds its BPE
/// model, in this order:
/// 1. The special token (`<|endoftext|>`) written literally, case-sensitive, on the raw text: the
///    text between occurrences is processed separately. (transformers registers it as an added
///    special token, which the `tokenizers` library matches before pre-tokenization.)
/// 2. No normalization (no NFC, no lowercasing).
/// 3. The ByteLevel pre-tokenizer's GPT-2 regex
///    `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, keeping every
///    match (the alternatives cover every scalar, so the pieces concatenate back to the text),
///    evaluated as a scanner over Unicode scalars with the classes of `ScalarClass` (Oniguruma's,
///    as for CLIP). The ` ?` is U+0020 only. A whitespace run followed by a non-space gives all but
///    its last scalar (`\s+(?!\S)` backtracks one), which then starts the next piece: attached to a
///    following letter, number or symbol run when it is U+0020, alone (`\s+`) otherwise.
enum GPT2PreTokenizer {
  /// Calls `special` for each literal `specialToken` and `word` for each regex piece (its UTF-8
  /// bytes, valid only during the call), in text order.
  static func forEach(in text: String, specialToken: [UInt8], special: () -> Void,
                      word: (UnsafeBufferPointer<UInt8>) -> Void) {
    var text = text
    text.withUTF8 { raw in
      let n = raw.count, m = specialToken.count
      var segmentStart = 0, i = 0
      while m > 0, i + m <= n {
        if raw[i] == specialToken[0], specialToken.indices.allSatisfy({ raw[i + $0] == specialToken[$0] }) {
          split(UnsafeBufferPointer(rebasing: raw[segmentStart..<i]), word)
          special()
          i += m
          segmentStart = i
        } else {
          i += 1
        }
      }
      split(UnsafeBufferPointer(rebasing: raw[segmentStart..<n]), word)
    }
  }

  /// The regex pieces of valid UTF-8 text without the special token.
  static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ word: (UnsafeBufferPointer<UInt8>) -> Void) {
    if bytes.isEmpty { return }
    // Scalars: value, class and the offset of their first byte (offsets[n] is the byte count).
    var values: [UInt32] = [], kinds: [ScalarClass] = [], offsets: [Int] = []
    values.reserveCapacity(bytes.count)
    kinds.reserveCapacity(bytes.count)
    offsets.reserveCapacity(bytes.count + 1)
    var p = 0
    while p < bytes.count {
      let lead = bytes[p]
      let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
      var v = UInt32(lead) & (length == 1 ? 0x7F : length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
      for k in 1..<length { v = v << 6 | UInt32(bytes[p + k] & 0x3F) }
      values.append(v)
      kinds.append(v < 0x80 ? ScalarClass.ascii[Int(v)] : ScalarClass(Unicode.Scalar(v)!))
      offsets.append(p)
      p += length
    }
    offsets.append(bytes.count)
    let n = values.count
    var i = 0
    while i < n {
      var end: Int
      if let length = contractionLength(values, at: i) {
        end = i + length
      } else {
        let start = values[i] == 0x20 && i + 1 < n && kinds[i + 1] != .space ? i + 1 : i
        let kind = kinds[start]
        end = start + 1
        while end < n, kinds[end] == kind { end += 1 }
        if kind == .space, end < n, end - i > 1 { end -= 1 }  // `\s+(?!\S)` leaves the last one
      }
      word(UnsafeBufferPointer(rebasing: bytes[offsets[i]..<offsets[end]]))
      i = end
    }
  }

  /// Length of `'s|'t|'re|'ve|'m|'ll|'d` at `i` (lowercase ASCII only), nil if none matches.
  private static func contractionLength(_ v: [UInt32], at i: Int) -> Int? {
    guard v[i] == 0x27, i + 1 < v.count else { return nil }
    let next = i + 2 < v.count ? v[i + 2] : 0
    switch v[i + 1] {
    case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
    case 0x72, 0x76: return next == 0x65 ? 3 : nil  // re ve
    case 0x6C: return next == 0x6C ? 3 : nil  // ll
    default: return nil
    }
  }
}
