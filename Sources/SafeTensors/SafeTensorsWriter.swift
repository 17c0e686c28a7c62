import Foundation
import Tensors

/// Writes safetensors files.
public enum SafeTensorsWriter {
  /// Writes `tensors` as F32, with data laid out in the given order, plus optional `metadata`
  /// (the header's `__metadata__`), to `url` atomically (temporary file + rename).
  ///
  /// The header is padded with spaces to a multiple of 8 bytes, as the reference implementation
  /// does, so the data section is aligned. Throws for duplicate or reserved (`__metadata__`)
  /// names, or when the file cannot be written.
  public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]? = nil,
                           to url: URL) throws {
    var seen = Set<String>()
    for (name, _) in tensors {
      guard name != "__metadata__" else {
        throw SafeTensorsError(file: url.path, message: "'__metadata__' is reserved and cannot name a tensor")
      }
      guard seen.insert(name).inserted else {
        throw SafeTensorsError(file: url.path, message: "tensor name '\(name)' given twice")
      }
    }

    var header = Array(headerJSON(tensors, metadata: metadata).utf8)
    header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
    var length = UInt64(header.count).littleEndian

    var file = try AtomicFileWriter(destination: url)
    do {
      try withUnsafeBytes(of: &length) { try file.write($0) }
      try header.withUnsafeBytes { try file.write($0) }
      for (_, tensor) in tensors {
        try tensor.data.withUnsafeBytes { try file.write($0) }
      }
      try file.commit()
    } catch {
      file.abandon()
      throw error
    }
  }

  /// The header JSON: `__metadata__` first (keys sorted), then tensors in the given order with
  /// consecutive data offsets.
  static func headerJSON(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]?) -> String {
    var parts: [String] = []
    if let metadata {
      let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      parts.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
    }
    var offset = 0
    for (name, tensor) in tensors {
      let end = offset + tensor.count * SafeTensorsDType.f32.byteSize
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    return "{" + parts.joined(separator: ",") + "}"
  }

  /// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        out += String(format: "\\u%04x", scalar.value)
      default:
        out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
