import Foundation
import SafeTensors
import TestSupport

/// Builds safetensors bytes by hand, so tests can make files the writer never would.
enum RawFiles {
  /// `u64 LE length` + `header` (UTF-8) + `data`; `length` overrides the declared header length.
  static func bytes(header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    return littleEndian(length ?? UInt64(h.count)) + h + data
  }

  static func littleEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }

  /// Writes `bytes` to a new file in a fresh temporary folder and returns its URL.
  static func write(_ bytes: [UInt8], name: String = "t.safetensors") throws -> URL {
    let url = Fixtures.temporaryDirectory("safetensors").appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
  }

  /// The bytes of `values` as little-endian F32.
  static func f32(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
  }

  /// Opens `bytes` as a file and returns the error it raises (nil if it opens).
  static func openError(_ bytes: [UInt8]) throws -> (url: URL, error: SafeTensorsError?) {
    let url = try write(bytes)
    do {
      _ = try SafeTensorsFile(contentsOf: url)
      return (url, nil)
    } catch let error as SafeTensorsError {
      return (url, error)
    }
  }
}
