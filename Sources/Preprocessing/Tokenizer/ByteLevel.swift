/// GPT-2 / CLIP byte-level alphabet (`bytes_to_unicode` in the Python tokenizers): every byte gets a
/// printable Unicode scalar so that BPE tokens are strings. Printable Latin-1 bytes map to themselves;
/// the other 68 bytes map to U+0100 onwards, in increasing byte order.
enum ByteLevel {
  /// Bytes in `bytes_to_unicode()` dictionary order: the printable ranges first, then the rest.
  /// OpenAI's vocabulary lists the 256 byte symbols (and then their `</w>` forms) in this order.
  static let order: [UInt8] = {
    var printable: [UInt8] = []
    for b in 0...255 where isPrintable(UInt8(b)) { printable.append(UInt8(b)) }
    var rest: [UInt8] = []
    for b in 0...255 where !isPrintable(UInt8(b)) { rest.append(UInt8(b)) }
    return printable + rest
  }()

  /// The 512 tokens every CLIP vocabulary starts with: the byte symbols in `order`, then the same
  /// symbols with `</w>` (a word's last symbol).
  static let baseTokens: [[UInt8]] = {
    let symbols = order.map(symbolUTF8)
    return symbols + symbols.map { $0 + Array("</w>".utf8) }
  }()

  /// `byteToScalar[b]` is the symbol of byte `b`.
  static let byteToScalar: [Unicode.Scalar] = {
    var table = [Unicode.Scalar](repeating: "\0", count: 256)
    var next: UInt32 = 256
    for b in 0...255 {
      if isPrintable(UInt8(b)) {
        table[b] = Unicode.Scalar(UInt8(b))
      } else {
        table[b] = Unicode.Scalar(next)!
        next += 1
      }
    }
    return table
  }()

  /// Inverse of `byteToScalar`, indexed by scalar value (all symbols are below U+0144); -1 where a
  /// scalar is not a byte symbol.
  static let scalarToByte: [Int16] = {
    var table = [Int16](repeating: -1, count: 0x144)
    for b in 0...255 { table[Int(byteToScalar[b].value)] = Int16(b) }
    return table
  }()

  /// UTF-8 bytes of the symbol of byte `b`.
  static func symbolUTF8(_ b: UInt8) -> [UInt8] {
    Array(String(Character(byteToScalar[Int(b)])).utf8)
  }

  /// Appends the bytes a token stands for, as the `tokenizers` ByteLevel decoder: a token made only
  /// of byte symbols decodes to those bytes; any other token to its own UTF-8 text.
  static func appendDecoded(_ token: [UInt8], to bytes: inout [UInt8]) {
    let start = bytes.count
    for s in String(decoding: token, as: UTF8.self).unicodeScalars {
      let b = s.value < scalarToByte.count ? scalarToByte[Int(s.value)] : -1
      if b < 0 {
        bytes.removeLast(bytes.count - start)
        bytes.append(contentsOf: token)
        return
      }
      bytes.append(UInt8(b))
    }
  }

  private static func isPrintable(_ b: UInt8) -> Bool {
    (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
  }
}
