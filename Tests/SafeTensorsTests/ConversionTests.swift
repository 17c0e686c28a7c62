import Foundation
import SafeTensors
import Tensors
import Testing

/// Element conversions, checked on files built byte by byte.
struct ConversionTests {
  /// A file with one tensor `t` of `dtype` holding `payload`.
  static func file(_ dtype: String, shape: [Int], payload: [UInt8]) throws -> SafeTensorsFile {
    let dims = shape.map(String.init).joined(separator: ",")
    let header = #"{"t":{"dtype":"\#(dtype)","shape":[\#(dims)],"data_offsets":[0,\#(payload.count)]}}"#
    return try SafeTensorsFile(contentsOf: RawFiles.write(RawFiles.bytes(header: header, data: payload)))
  }

  static func le16(_ values: [UInt16]) -> [UInt8] { values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

  /// Reference binary16 → binary32 by arithmetic (independent of the bit-twiddling under test).
  static func halfByArithmetic(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 != 0 ? -1 : 1
    let e = Int((bits >> 10) & 0x1F), m = Float(bits & 0x3FF)
    if e == 0 { return sign * m * Float(sign: .plus, exponent: -24, significand: 1) }
    if e == 31 { return m == 0 ? sign * .infinity : .nan }
    return sign * (1 + m / 1024) * Float(sign: .plus, exponent: e - 15, significand: 1)
  }

  @Test func everyHalfConvertsExactly() throws {
    let all = (0...UInt16.max).map { $0 }
    let out = try Self.file("F16", shape: [256, 256], payload: Self.le16(all)).tensor("t")
    #expect(out.shape == [256, 256])
    var mismatches: [String] = []
    for (bits, value) in zip(all, out.data) {
      let expected = Self.halfByArithmetic(bits)
      let ok = expected.isNaN
        ? value.isNaN && value.sign == (bits & 0x8000 != 0 ? .minus : .plus)
          && (value.bitPattern >> 13) & 0x3FF == UInt32(bits & 0x3FF)   // payload kept
        : value.bitPattern == expected.bitPattern                      // exact, incl. -0
      if !ok { mismatches.append(String(format: "0x%04x → %@ (want %@)", bits, "\(value)", "\(expected)")) }
    }
    #expect(mismatches.count == 0, "first mismatches: \(mismatches.prefix(5))")
  }

  #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
  @Test func halfAgreesWithSwiftFloat16() throws {
    let all = (0...UInt16.max).map { $0 }
    let out = try Self.file("F16", shape: [65536], payload: Self.le16(all)).tensor("t")
    let differing = zip(all, out.data).filter { bits, value in
      let reference = Float(Float16(bitPattern: bits))
      return reference.isNaN ? !value.isNaN : value.bitPattern != reference.bitPattern
    }
    #expect(differing.count == 0, "first: \(differing.prefix(5).map { String(format: "0x%04x", $0.0) })")
  }
  #endif

  @Test func bfloat16IsTheUpperHalf() throws {
    let bits: [UInt16] = [0x3F80, 0xC020, 0x0001, 0x7F80, 0xFF80, 0x7FC1, 0x8000, 0x4049]
    let out = try Self.file("BF16", shape: [8], payload: Self.le16(bits)).tensor("t")
    #expect(out.data.map(\.bitPattern) == bits.map { UInt32($0) << 16 })
    #expect(out.data[0] == 1 && out.data[1] == -2.5 && out.data[3] == .infinity && out.data[5].isNaN)
  }

  @Test func doublesRoundToNearestFloat() throws {
    let values: [Double] = [0.1, -2.5, 1e300, 1e-300]
    let payload = values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
    let out = try Self.file("F64", shape: [2, 2], payload: payload).tensor("t")
    #expect(out.data == [Float(0.1), -2.5, .infinity, 0])
  }

  @Test func integerTypesReadAsIntegersAndFloats() throws {
    let cases: [(dtype: String, payload: [UInt8], values: [Int])] = [
      ("I64", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0x40], [-1, 1 << 62]),
      ("I32", [0xFE, 0xFF, 0xFF, 0xFF, 0x40, 0xE2, 0x01, 0x00], [-2, 123_456]),
      ("I16", [0x00, 0x80, 0xFF, 0x7F], [-32768, 32767]),
      ("I8", [0x80, 0x7F], [-128, 127]),
      ("U8", [0xFF, 0x03], [255, 3]),
      ("BOOL", [0x01, 0x00], [1, 0]),
    ]
    for c in cases {
      let f = try Self.file(c.dtype, shape: [2], payload: c.payload)
      #expect(try f.integers("t") == c.values, "\(c.dtype)")
      #expect(try f.tensor("t").data == c.values.map(Float.init), "\(c.dtype)")
      #expect(f.info("t")?.dtype.rawValue == c.dtype)
    }
  }

  @Test func integersRejectsFloatTensors() throws {
    let f = try Self.file("F16", shape: [1], payload: [0, 0x3C])
    #expect { _ = try f.integers("t") } throws: { error in
      (error as? SafeTensorsError)?.message == "tensor 't' is F16, not an integer type"
    }
  }

  @Test func dtypeSizes() {
    let sizes = Dictionary(uniqueKeysWithValues: SafeTensorsDType.allCases.map { ($0.rawValue, $0.byteSize) })
    #expect(sizes == ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1])
  }
}
