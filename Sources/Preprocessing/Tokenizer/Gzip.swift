/// A small gzip (RFC 1952) / deflate (RFC 1951) decoder, enough to read OpenAI's
/// `bpe_simple_vocab_16e6.txt.gz` without linking zlib. Handles stored, fixed- and dynamic-Huffman
/// blocks, optional header fields and concatenated members (like Python's `gzip`), and checks each
/// member's CRC-32 and length. Every read is bounds-checked explicitly: the module builds with
/// `-Ounchecked` in release, so malformed input must be rejected here, never trapped on.
enum Gzip {
  struct Failure: Error {
    let message: String
    init(_ message: String) { self.message = message }
  }

  /// The decompressed contents of all members of a gzip file.
  static func decompress(_ data: [UInt8]) throws -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(data.count * 3)
    var pos = 0
    var member = 0
    while pos < data.count {
      if member > 0, data[pos...].allSatisfy({ $0 == 0 }) { break }  // zero padding after a member
      member += 1
      guard data.count - pos >= 2, data[pos] == 0x1F, data[pos + 1] == 0x8B else {
        throw Failure(member == 1 ? "not a gzip file (bad magic number)" : "trailing garbage after gzip member \(member - 1)")
      }
      guard data.count - pos >= 18 else { throw Failure("member \(member): too short for a gzip member") }
      guard data[pos + 2] == 8 else { throw Failure("member \(member): unknown compression method \(data[pos + 2])") }
      let flags = data[pos + 3]
      guard flags & 0xE0 == 0 else { throw Failure("member \(member): reserved header flags set") }
      pos += 10
      if flags & 0x04 != 0 {  // FEXTRA
        guard pos + 2 <= data.count else { throw Failure("member \(member): truncated header") }
        let length = Int(data[pos]) | Int(data[pos + 1]) << 8
        pos += 2 + length
      }
      for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
        while pos < data.count, data[pos] != 0 { pos += 1 }
        pos += 1
      }
      if flags & 0x02 != 0 { pos += 2 }  // FHCRC
      guard pos <= data.count else { throw Failure("member \(member): truncated header") }

      let start = out.count
      var inflater = Inflater(data, start: pos)
      do {
        try inflater.inflate(into: &out)
      } catch let failure as Failure {
        throw Failure("member \(member): \(failure.message)")
      }
      pos = inflater.bytePosition
      guard pos + 8 <= data.count else { throw Failure("member \(member): truncated (no CRC-32/length trailer)") }
      let crc = readLE32(data, pos), size = readLE32(data, pos + 4)
      pos += 8
      let actualCRC = out.withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[start...])) }
      guard crc == actualCRC else { throw Failure("member \(member): CRC-32 mismatch (corrupt data)") }
      guard size == UInt32(truncatingIfNeeded: out.count - start) else {
        throw Failure("member \(member): length mismatch (corrupt data)")
      }
    }
    guard member > 0 else { throw Failure("empty file") }
    return out
  }

  private static func readLE32(_ d: [UInt8], _ p: Int) -> UInt32 {
    UInt32(d[p]) | UInt32(d[p + 1]) << 8 | UInt32(d[p + 2]) << 16 | UInt32(d[p + 3]) << 24
  }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as gzip uses it.
enum CRC32 {
  static let table: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    table.withUnsafeBufferPointer { t in
      for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    }
    return c ^ 0xFFFF_FFFF
  }
}

/// Canonical Huffman code (counts per length, symbols in code order), decoded bit by bit as in
/// zlib's `puff.c`.
private struct Huffman {
  var count = [Int](repeating: 0, count: 16)
  var symbol: [Int]

  /// `lengths[s]` is the code length of symbol `s` (0: unused). Over-subscribed codes are errors;
  /// incomplete ones are allowed (decoding an unused code then fails).
  init(lengths: ArraySlice<Int>) throws {
    symbol = [Int](repeating: 0, count: lengths.count)
    for l in lengths { count[l] += 1 }
    var left = 1
    for len in 1..<16 {
      left <<= 1
      left -= count[len]
      if left < 0 { throw Gzip.Failure("over-subscribed Huffman code") }
    }
    var offsets = [Int](repeating: 0, count: 16)
    for len in 1..<15 { offsets[len + 1] = offsets[len] + count[len] }
    for (s, l) in lengths.enumerated() where l != 0 {
      symbol[offsets[l]] = s
      offsets[l] += 1
    }
  }
}

private struct Inflater {
  private let data: [UInt8]
  private var pos: Int
  private var bitBuffer: UInt64 = 0
  private var bitCount = 0

  init(_ data: [UInt8], start: Int) {
    self.data = data
    self.pos = start
  }

  /// Position of the first byte after the deflate stream (whole bytes consumed).
  var bytePosition: Int { pos - bitCount / 8 }

  private mutating func bits(_ n: Int) throws -> Int {
    while bitCount < n {
      guard pos < data.count else { throw Gzip.Failure("truncated deflate data") }
      bitBuffer |= UInt64(data[pos]) << UInt64(bitCount)
      pos += 1
      bitCount += 8
    }
    let v = Int(bitBuffer & ((1 << UInt64(n)) - 1))
    bitBuffer >>= UInt64(n)
    bitCount -= n
    return v
  }

  private mutating func decode(_ h: Huffman) throws -> Int {
    var code = 0, first = 0, index = 0
    for len in 1..<16 {
      code |= try bits(1)
      let count = h.count[len]
      if code - count < first { return h.symbol[index + (code - first)] }
      index += count
      first += count
      first <<= 1
      code <<= 1
    }
    throw Gzip.Failure("invalid Huffman code")
  }

  private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                   67, 83, 99, 115, 131, 163, 195, 227, 258]
  private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                    5, 5, 5, 5, 0]
  private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
                                     513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
  private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10,
                                      10, 11, 11, 12, 12, 13, 13]
  private static let fixed: (Huffman, Huffman) = {
    var lengths = [Int](repeating: 8, count: 288)
    for s in 144..<256 { lengths[s] = 9 }
    for s in 256..<280 { lengths[s] = 7 }
    return (try! Huffman(lengths: lengths[...]), try! Huffman(lengths: [Int](repeating: 5, count: 30)[...]))
  }()
  private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

  /// Decodes one deflate stream, appending to `out` (earlier contents of `out` are not referenced).
  mutating func inflate(into out: inout [UInt8]) throws {
    let base = out.count
    var last = false
    while !last {
      last = try bits(1) == 1
      switch try bits(2) {
      case 0: try stored(&out)
      case 1: try codes(&out, base: base, Inflater.fixed.0, Inflater.fixed.1)
      case 2:
        let (lit, dist) = try dynamicTables()
        try codes(&out, base: base, lit, dist)
      default: throw Gzip.Failure("invalid deflate block type")
      }
    }
  }

  private mutating func stored(_ out: inout [UInt8]) throws {
    bitBuffer = 0
    bitCount = 0  // drop to a byte boundary (the buffer never holds whole unread bytes here)
    guard pos + 4 <= data.count else { throw Gzip.Failure("truncated stored block") }
    let len = Int(data[pos]) | Int(data[pos + 1]) << 8
    let nlen = Int(data[pos + 2]) | Int(data[pos + 3]) << 8
    pos += 4
    guard len == (~nlen & 0xFFFF) else { throw Gzip.Failure("stored block length check failed") }
    guard pos + len <= data.count else { throw Gzip.Failure("truncated stored block") }
    out.append(contentsOf: data[pos..<(pos + len)])
    pos += len
  }

  private mutating func dynamicTables() throws -> (Huffman, Huffman) {
    let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
    guard nlen <= 286, ndist <= 30 else { throw Gzip.Failure("bad dynamic block counts") }
    var lengths = [Int](repeating: 0, count: 19)
    for i in 0..<ncode { lengths[Inflater.codeLengthOrder[i]] = try bits(3) }
    let lencode = try Huffman(lengths: lengths[...])
    lengths = [Int](repeating: 0, count: nlen + ndist)
    var index = 0
    while index < nlen + ndist {
      var symbol = try decode(lencode)
      if symbol < 16 {
        lengths[index] = symbol
        index += 1
        continue
      }
      var value = 0
      if symbol == 16 {
        guard index > 0 else { throw Gzip.Failure("repeat with no first length") }
        value = lengths[index - 1]
        symbol = 3 + (try bits(2))
      } else if symbol == 17 {
        symbol = 3 + (try bits(3))
      } else {
        symbol = 11 + (try bits(7))
      }
      guard index + symbol <= nlen + ndist else { throw Gzip.Failure("too many code lengths") }
      for _ in 0..<symbol {
        lengths[index] = value
        index += 1
      }
    }
    guard lengths[256] != 0 else { throw Gzip.Failure("no end-of-block code") }
    return (try Huffman(lengths: lengths[0..<nlen]), try Huffman(lengths: lengths[nlen...]))
  }

  private mutating func codes(_ out: inout [UInt8], base: Int, _ lit: Huffman, _ dist: Huffman) throws {
    while true {
      var symbol = try decode(lit)
      if symbol < 256 {
        out.append(UInt8(symbol))
      } else if symbol == 256 {
        return
      } else {
        symbol -= 257
        guard symbol < 29 else { throw Gzip.Failure("invalid length code") }
        let length = Inflater.lengthBase[symbol] + (try bits(Inflater.lengthExtra[symbol]))
        let d = try decode(dist)
        guard d < 30 else { throw Gzip.Failure("invalid distance code") }
        let distance = Inflater.distanceBase[d] + (try bits(Inflater.distanceExtra[d]))
        guard distance <= out.count - base else { throw Gzip.Failure("distance too far back") }
        let from = out.count - distance
        for k in 0..<length { out.append(out[from + k]) }
      }
    }
  }
}
