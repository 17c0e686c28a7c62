import Foundation

/// Serialises JSON the way Python's `json.dumps(value, indent=2, sort_keys=True)` does, which is
/// how PEFT writes `adapter_config.json`: two-space indent, `"key": value`, sorted keys, `[]`/`{}`
/// for empty containers, ASCII-only strings, floats in shortest round-trip form (`0.1`, `1.0`).
enum PythonJSON {
  static func string(_ value: Any) -> String {
    var out = ""
    write(value, indent: 0, to: &out)
    return out
  }

  private static func write(_ value: Any, indent: Int, to out: inout String) {
    let pad = String(repeating: " ", count: indent + 2), close = String(repeating: " ", count: indent)
    switch value {
    case is NSNull: out += "null"
    case let b as Bool: out += b ? "true" : "false"
    case let i as Int: out += String(i)
    case let d as Double: out += d.isFinite ? "\(d)" : (d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"))
    case let s as String: out += quoted(s)
    case let list as [Any]:
      guard !list.isEmpty else { out += "[]"; return }
      out += "[\n"
      for (k, item) in list.enumerated() {
        out += pad
        write(item, indent: indent + 2, to: &out)
        out += k + 1 < list.count ? ",\n" : "\n"
      }
      out += close + "]"
    case let dict as [String: Any]:
      guard !dict.isEmpty else { out += "{}"; return }
      out += "{\n"
      let keys = dict.keys.sorted()
      for (k, key) in keys.enumerated() {
        out += pad + quoted(key) + ": "
        write(dict[key]!, indent: indent + 2, to: &out)
        out += k + 1 < keys.count ? ",\n" : "\n"
      }
      out += close + "}"
    default: out += quoted("\(value)")
    }
  }

  /// A JSON string literal with Python's `ensure_ascii` escaping.
  static func quoted(_ s: String) -> String {
    var out = "\""
    for unit in s.utf16 {
      switch unit {
      case 0x22: out += "\\\""
      case 0x5C: out += "\\\\"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x09: out += "\\t"
      case 0x08: out += "\\b"
      case 0x0C: out += "\\f"
      case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
      default: out += String(format: "\\u%04x", unit)
      }
    }
    return out + "\""
  }
}
