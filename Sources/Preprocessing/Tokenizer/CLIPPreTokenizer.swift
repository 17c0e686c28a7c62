import Foundation

/// One unit produced by the pre-tokenizer.
enum PreToken {
  /// `<|startoftext|>` (true) or `<|endoftext|>` (false) written literally in the input.
  case special(isStart: Bool)
  /// A word for the BPE model, as UTF-8 bytes (valid only during the callback).
  case word(UnsafeBufferPointer<UInt8>)
}

/// Splits text into the words that transformers' (tokenizers-backed) CLIPTokenizer feeds its BPE
/// model, in this order:
/// 1. `<|startoftext|>` / `<|endoftext|>` written literally (case-sensitive, on the raw text) are
///    special tokens; the text between them is processed separately.
/// 2. Normalizer: NFC, whitespace runs → one space, lowercase (see `CLIPNormalizer`).
/// 3. Split regex `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`,
///    keeping matches and dropping whitespace, evaluated as a scanner over Unicode scalars.
/// 4. The ByteLevel pre-tokenizer's GPT-2 regex splits each match again; that changes only the two
///    special-token spellings matched in step 3 (e.g. from `<|ENDOFTEXT|>`), which become
///    `<|`, `startoftext`/`endoftext`, `|>`. Every other match is already a single GPT-2 piece.
enum CLIPPreTokenizer {
  private static let start = Array("<|startoftext|>".utf8)
  private static let end = Array("<|endoftext|>".utf8)
  private static let open = Array("<|".utf8)
  private static let close = Array("|>".utf8)
  private static let startName = Array("startoftext".utf8)
  private static let endName = Array("endoftext".utf8)

  /// Calls `body` for each pre-token in order until it returns false.
  static func forEach(in text: String, _ body: (PreToken) -> Bool) {
    var text = text
    text.withUTF8 { raw in
      var segmentStart = 0, i = 0
      let n = raw.count
      while i < n {
        if raw[i] == UInt8(ascii: "<") {
          let value = { UInt32(raw[$0]) }
          let isStart = matches(start, at: i, count: n, value)
          if isStart || matches(end, at: i, count: n, value) {
            if !segment(UnsafeBufferPointer(rebasing: raw[segmentStart..<i]), body) { return }
            if !body(.special(isStart: isStart)) { return }
            i += isStart ? start.count : end.count
            segmentStart = i
            continue
          }
        }
        i += 1
      }
      _ = segment(UnsafeBufferPointer(rebasing: raw[segmentStart..<n]), body)
    }
  }

  /// Whether the `count` scalars given by `value` hold the ASCII text `p` at index `i`.
  @inline(__always)
  private static func matches(_ p: [UInt8], at i: Int, count: Int, _ value: (Int) -> UInt32) -> Bool {
    guard count - i >= p.count else { return false }
    for k in 0..<p.count where value(i + k) != UInt32(p[k]) { return false }
    return true
  }

  /// Normalizes and splits text that contains no literal special token.
  private static func segment(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (PreToken) -> Bool) -> Bool {
    if bytes.isEmpty { return true }
    var ascii = true
    for b in bytes where b >= 0x80 { ascii = false; break }
    return ascii ? asciiSegment(bytes, body) : unicodeSegment(bytes, body)
  }

  private static func asciiSegment(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (PreToken) -> Bool) -> Bool {
    // ASCII is already NFC; lowercase A-Z.
    var lowered = [UInt8](repeating: 0, count: bytes.count)
    for (i, b) in bytes.enumerated() {
      lowered[i] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) ? b | 0x20 : b
    }
    return lowered.withUnsafeBufferPointer { s in
      let table = ScalarClass.ascii
      return scan(count: s.count, value: { UInt32(s[$0]) }, kind: { table[Int(s[$0])] }) { piece in
        switch piece {
        case .range(let r): return body(.word(UnsafeBufferPointer(rebasing: s[r])))
        case .bytes(let b): return b.withUnsafeBufferPointer { body(.word($0)) }
        }
      }
    }
  }

  private static func unicodeSegment(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (PreToken) -> Bool) -> Bool {
    var scalars: [Unicode.Scalar] = []
    scalars.reserveCapacity(bytes.count)
    for s in CLIPNormalizer.nfc(Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)) {
      CLIPNormalizer.appendLowercase(s, to: &scalars)
    }
    let kinds = scalars.map(ScalarClass.init)
    var utf8: [UInt8] = []
    return scan(count: scalars.count, value: { scalars[$0].value }, kind: { kinds[$0] }) { piece in
      switch piece {
      case .range(let r):
        utf8.removeAll(keepingCapacity: true)
        for s in scalars[r] { UTF8.encode(s) { utf8.append($0) } }
        return utf8.withUnsafeBufferPointer { body(.word($0)) }
      case .bytes(let b):
        return b.withUnsafeBufferPointer { body(.word($0)) }
      }
    }
  }

  private enum Piece {
    case range(Range<Int>)
    case bytes([UInt8])
  }

  /// The split regex over normalized scalars; `emit` gets each kept match (or one of the three
  /// GPT-2 pieces of a special-token spelling) and returns false to stop.
  @inline(__always)
  private static func scan(count n: Int, value: (Int) -> UInt32, kind: (Int) -> ScalarClass,
                           emit: (Piece) -> Bool) -> Bool {
    let apostrophe = UInt32(UInt8(ascii: "'")), lessThan = UInt32(UInt8(ascii: "<"))
    var i = 0
    while i < n {
      let k = kind(i)
      if k == .space { i += 1; continue }
      let v = value(i)
      if v == lessThan {
        let isStart = matches(start, at: i, count: n, value)
        if isStart || matches(end, at: i, count: n, value) {
          guard emit(.bytes(open)), emit(.bytes(isStart ? startName : endName)), emit(.bytes(close)) else {
            return false
          }
          i += isStart ? start.count : end.count
          continue
        }
      }
      if v == apostrophe, i + 1 < n {
        let c1 = value(i + 1)
        let c2: UInt32 = i + 2 < n ? value(i + 2) : 0
        var length = 0
        if c1 < 0x80 {
          switch UInt8(c1) {
          case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): length = 2
          case UInt8(ascii: "r"), UInt8(ascii: "v"): length = c2 == UInt32(UInt8(ascii: "e")) ? 3 : 0
          case UInt8(ascii: "l"): length = c2 == UInt32(UInt8(ascii: "l")) ? 3 : 0
          default: break
          }
        }
        if length > 0 {
          guard emit(.range(i..<(i + length))) else { return false }
          i += length
          continue
        }
      }
      var j = i + 1
      switch k {
      case .letter: while j < n, kind(j) == .letter { j += 1 }
      case .number: break
      default: while j < n, kind(j) == .other { j += 1 }
      }
      guard emit(.range(i..<j)) else { return false }
      i = j
    }
    return true
  }
}
