import Foundation

/// Finds a key that occurs twice in one JSON object, which `JSONDecoder` and
/// `JSONSerialization` accept silently (the last value wins) but which in a safetensors header
/// means two different tensors under one name. Only structure is scanned (strings, braces,
/// brackets); malformed JSON is left to the real parser.
enum JSONDuplicateKeys {
  /// The first repeated key (as decoded text, with its enclosing keys: `a.b`), or nil.
  static func first(in data: Data) -> String? {
    data.withUnsafeBytes { first(in: $0) }
  }

  static func first(in bytes: UnsafeRawBufferPointer) -> String? {
    // One frame per open object or array: the keys seen so far (objects only) and its own key.
    struct Frame { var isObject: Bool; var keys: Set<String>; var name: String; var expectKey: Bool }
    var stack: [Frame] = []
    var lastKey = ""
    var i = 0
    let n = bytes.count
    while i < n {
      let c = bytes[i]
      switch c {
      case UInt8(ascii: "\""):
        guard let (text, end) = string(bytes, from: i) else { return nil }
        i = end
        if var top = stack.last, top.isObject, top.expectKey {
          if top.keys.contains(text) {
            return (stack.map(\.name).filter { !$0.isEmpty } + [text]).joined(separator: ".")
          }
          top.keys.insert(text)
          top.expectKey = false
          stack[stack.count - 1] = top
          lastKey = text
        }
        continue
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        let parentIsObject = stack.last?.isObject ?? false
        stack.append(Frame(isObject: c == UInt8(ascii: "{"), keys: [], name: parentIsObject ? lastKey : "", expectKey: true))
        if stack.count > 512 { return nil }  // pathological nesting: the parser refuses it
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        if !stack.isEmpty { stack.removeLast() }
      case UInt8(ascii: ","):
        if !stack.isEmpty, stack[stack.count - 1].isObject { stack[stack.count - 1].expectKey = true }
      default:
        break
      }
      i += 1
    }
    return nil
  }

  /// The decoded string starting at the quote at `start`, and the index after its closing quote;
  /// nil when it is unterminated.
  private static func string(_ b: UnsafeRawBufferPointer, from start: Int) -> (String, Int)? {
    var out: [UInt8] = []
    var i = start + 1
    while i < b.count {
      let c = b[i]
      if c == UInt8(ascii: "\"") { return (String(decoding: out, as: UTF8.self), i + 1) }
      if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
      guard i + 1 < b.count else { return nil }
      let e = b[i + 1]
      i += 2
      switch e {
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "u"):
        // A scalar decodes to its UTF-8 ("\u0061" == "a"); a surrogate half stays as its escape
        // text, so pairs compare equal exactly when they are written alike.
        guard i + 4 <= b.count else { return nil }
        var unit: UInt32 = 0
        for k in 0..<4 {
          guard let d = hexValue(b[i + k]) else { return nil }
          unit = unit << 4 | d
        }
        i += 4
        if let scalar = Unicode.Scalar(unit) { out.append(contentsOf: Array(String(Character(scalar)).utf8)) }
        else { out.append(contentsOf: Array("\\u\(String(unit, radix: 16))".utf8)) }
      default: out.append(e)
      }
    }
    return nil
  }

  private static func hexValue(_ c: UInt8) -> UInt32? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(c - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(c - UInt8(ascii: "A") + 10)
    default: return nil
    }
  }
}
