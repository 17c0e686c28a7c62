import Foundation

/// Reads `vocab.json`: one JSON object mapping token strings to non-negative integer ids.
/// Tokens are kept as raw UTF-8 bytes (Swift `String` keys would merge canonically equivalent
/// tokens, which `tokenizers` keeps apart). A key that occurs twice keeps its last id, as in
/// `serde_json`. Stricter than `tokenizers` in one way: a value that is not an integer is an error
/// rather than silently skipped.
struct VocabularyJSON {
  private let bytes: [UInt8]
  private let file: URL
  private var pos = 0

  static func parse(_ bytes: [UInt8], file: URL) throws -> [(token: [UInt8], id: Int)] {
    var parser = VocabularyJSON(bytes: bytes, file: file)
    return try parser.object()
  }

  /// `vocab.json` for tokens in id order: one `"token": id` entry per line, raw UTF-8 with `"`, `\`
  /// and control characters escaped (as Python's `json.dump(..., ensure_ascii=False)`).
  static func encode(_ tokens: [[UInt8]]) -> [UInt8] {
    let hexDigits = Array("0123456789abcdef".utf8)
    var out = Array("{\n".utf8)
    for (id, token) in tokens.enumerated() {
      out += Array("  \"".utf8)
      for b in token {
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
        case 0..<0x20: out += Array("\\u00".utf8) + [hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]]
        default: out.append(b)
        }
      }
      out += Array("\": \(id)\(id + 1 < tokens.count ? "," : "")\n".utf8)
    }
    return out + Array("}\n".utf8)
  }

  private init(bytes: [UInt8], file: URL) {
    self.bytes = bytes
    self.file = file
  }

  private func fail(_ what: String) -> TokenizerError {
    // Report a 1-based line and column, counting UTF-8 bytes on the line.
    var line = 1, column = 1
    for b in bytes[0..<min(pos, bytes.count)] {
      if b == 0x0A { line += 1; column = 1 } else { column += 1 }
    }
    return TokenizerError(.malformedVocabulary, file: file, "line \(line), column \(column): \(what)")
  }

  private mutating func skipSpace() {
    while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 {
      pos += 1
    }
  }

  private mutating func expect(_ c: UInt8, _ what: String) throws {
    skipSpace()
    guard pos < bytes.count, bytes[pos] == c else { throw fail("expected \(what)") }
    pos += 1
  }

  private mutating func object() throws -> [(token: [UInt8], id: Int)] {
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }  // tolerate a UTF-8 byte order mark
    try expect(UInt8(ascii: "{"), "'{' (vocab.json must be a JSON object of token: id)")
    var entries: [(token: [UInt8], id: Int)] = []
    entries.reserveCapacity(bytes.count / 16)
    skipSpace()
    if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
      pos += 1
    } else {
      while true {
        skipSpace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a token string") }
        let key = try string()
        try expect(UInt8(ascii: ":"), "':' after a token")
        let id = try integer(key)
        entries.append((key, id))
        skipSpace()
        guard pos < bytes.count else { throw fail("unexpected end of file inside the object") }
        if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
        if bytes[pos] == UInt8(ascii: "}") { pos += 1; break }
        throw fail("expected ',' or '}'")
      }
    }
    skipSpace()
    guard pos == bytes.count else { throw fail("unexpected text after the object") }
    return entries
  }

  private mutating func hex4() throws -> UInt32 {
    guard pos + 4 <= bytes.count else { throw fail("truncated \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[pos]
      let d: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw fail("bad hex digit in \\u escape")
      }
      v = v << 4 | d
      pos += 1
    }
    return v
  }

  /// A JSON string starting at the opening quote, as UTF-8 bytes.
  private mutating func string() throws -> [UInt8] {
    pos += 1
    var out: [UInt8] = []
    while true {
      guard pos < bytes.count else { throw fail("unterminated string") }
      let c = bytes[pos]
      if c == UInt8(ascii: "\"") { pos += 1; return out }
      if c < 0x20 { throw fail("control character inside a string") }
      if c != UInt8(ascii: "\\") { out.append(c); pos += 1; continue }
      pos += 1
      guard pos < bytes.count else { throw fail("unterminated escape") }
      let e = bytes[pos]
      pos += 1
      switch e {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var v = try hex4()
        if (0xD800...0xDBFF).contains(v) {
          guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
            throw fail("lone surrogate in \\u escape")
          }
          pos += 2
          let low = try hex4()
          guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone surrogate in \\u escape") }
          v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(v) {
          throw fail("lone surrogate in \\u escape")
        }
        out.append(contentsOf: String(Character(Unicode.Scalar(v)!)).utf8)
      default:
        throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))'")
      }
    }
  }

  private mutating func integer(_ key: [UInt8]) throws -> Int {
    skipSpace()
    let start = pos
    var value = 0
    while pos < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) {
      guard value <= (Int(Int32.max) - 9) / 10 else { throw fail("id of token \(show(key)) is too large") }
      value = value * 10 + Int(bytes[pos] - UInt8(ascii: "0"))
      pos += 1
    }
    let isEnd = pos >= bytes.count || [UInt8(ascii: ","), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09].contains(bytes[pos])
    guard pos > start, isEnd else { throw fail("id of token \(show(key)) is not a non-negative integer") }
    return value
  }

  private func show(_ token: [UInt8]) -> String {
    "\"" + String(decoding: token, as: UTF8.self) + "\""
  }
}

/// Whether `bytes` is well-formed UTF-8.
func isValidUTF8(_ bytes: [UInt8]) -> Bool {
  var iterator = bytes.makeIterator()
  var decoder = UTF8()
  while true {
    switch decoder.decode(&iterator) {
    case .scalarValue: continue
    case .emptyInput: return true
    case .error: return false
    }
  }
}
