import Foundation
import SafeTensors
import TestSupport
import Testing

/// Every header problem is caught when the file is opened, with an error naming the file.
struct MalformedFileTests {
  struct Case: CustomTestStringConvertible, Sendable {
    let label: String
    let bytes: [UInt8]
    let expected: String   // must appear in the message
    var testDescription: String { label }
  }

  static let eightFloats = RawFiles.f32([1, 2, 3, 4, 5, 6, 7, 8])

  static let cases: [Case] = [
    Case(label: "empty file", bytes: [], expected: "shorter than the 8-byte"),
    Case(label: "7 bytes", bytes: [1, 0, 0, 0, 0, 0, 0], expected: "shorter than the 8-byte"),
    Case(label: "header length past end", bytes: RawFiles.bytes(header: "{}", length: 50), expected: "runs past the end of the file"),
    Case(label: "absurd header length", bytes: RawFiles.bytes(header: "{}", length: 1 << 40), expected: "exceeds"),
    Case(label: "header length UInt64.max", bytes: RawFiles.bytes(header: "{}", length: .max), expected: "exceeds"),
    Case(label: "not JSON", bytes: RawFiles.bytes(header: "{not json"), expected: "not valid JSON"),
    Case(label: "JSON array", bytes: RawFiles.bytes(header: "[1,2]"), expected: "does not start with '{'"),
    Case(label: "invalid UTF-8", bytes: RawFiles.littleEndian(4) + [0x7B, 0xFF, 0xFE, 0x7D], expected: "not valid UTF-8"),
    Case(label: "entry not an object",
         bytes: RawFiles.bytes(header: #"{"a":[1,2]}"#), expected: "'a': entry is not a JSON object"),
    Case(label: "missing dtype",
         bytes: RawFiles.bytes(header: #"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: eightFloats), expected: "'a': missing dtype"),
    Case(label: "missing shape",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#, data: eightFloats), expected: "'a': missing shape"),
    Case(label: "missing data_offsets",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[2]}}"#, data: eightFloats), expected: "'a': missing data_offsets"),
    Case(label: "dtype not a string",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}"#, data: eightFloats), expected: "dtype is not a string"),
    Case(label: "shape of strings",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#, data: eightFloats), expected: "shape is not an array of integers"),
    Case(label: "fractional offset",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}"#, data: eightFloats), expected: "data_offsets is not"),
    Case(label: "unknown dtype",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, data: eightFloats), expected: "unknown or unsupported dtype 'F8_E4M3'"),
    Case(label: "negative dimension",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[-2,-1],"data_offsets":[0,8]}}"#, data: eightFloats), expected: "negative dimension -2"),
    Case(label: "three offsets",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}"#, data: eightFloats), expected: "is not a pair"),
    Case(label: "begin > end",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: eightFloats), expected: "need 0 <= begin <= end"),
    Case(label: "negative begin",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[-4,4]}}"#, data: eightFloats), expected: "need 0 <= begin <= end"),
    Case(label: "byte count vs shape",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eightFloats), expected: "span 8 bytes but shape [3] of F32 needs 12"),
    Case(label: "byte count vs dtype",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}"#, data: eightFloats), expected: "needs 4"),
    Case(label: "shape product overflows",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: eightFloats), expected: "too many elements"),
    Case(label: "offsets past data section",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[10],"data_offsets":[0,40]}}"#, data: eightFloats), expected: "run past the end of the data section (32 bytes"),
    Case(label: "overlapping tensors",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[12,28]}}"#, data: eightFloats),
         expected: "'a' (bytes 0..<16) and 'b' (bytes 12..<28) overlap"),
    Case(label: "identical ranges",
         bytes: RawFiles.bytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}"#, data: eightFloats),
         expected: "overlap"),
    Case(label: "metadata not strings",
         bytes: RawFiles.bytes(header: #"{"__metadata__":{"epoch":3}}"#), expected: "__metadata__ is not a JSON object of strings"),
  ]

  @Test("malformed file is rejected at open", arguments: cases)
  func rejected(_ c: Case) throws {
    let (url, error) = try RawFiles.openError(c.bytes)
    let e = try #require(error, "\(c.label): opened without error")
    #expect(e.file == url.path)
    #expect(e.message.contains(c.expected), "\(c.label): \(e.message)")
    #expect(e.description.hasPrefix(url.path))
  }

  @Test func truncatedFileIsRejected() throws {
    let good = [UInt8](try Data(contentsOf: Fixtures.url("safetensors/mixed.safetensors")))
    // Proper prefixes of a valid file (cut in the length field, the header and the data) fail
    // cleanly: never crash, never open.
    for cut in Array(stride(from: 0, to: good.count, by: 13)) + [good.count - 1] {
      let (_, error) = try RawFiles.openError(Array(good.prefix(cut)))
      #expect(error != nil, "prefix of \(cut) bytes opened")
    }
    let (_, last) = try RawFiles.openError(Array(good.dropLast()))
    #expect(last?.message.contains("truncated?") == true, "\(String(describing: last))")
  }

  @Test func missingFileNamesThePath() throws {
    let url = URL(fileURLWithPath: "/nonexistent/cliptune/model.safetensors")
    #expect {
      _ = try SafeTensorsFile(contentsOf: url)
    } throws: { error in
      let e = error as? SafeTensorsError
      return e?.file == url.path && e?.message.contains("cannot open") == true
    }
  }

  @Test func directoryIsNotAFile() throws {
    let dir = try RawFiles.write([]).deletingLastPathComponent()
    #expect(throws: SafeTensorsError.self) { _ = try SafeTensorsFile(contentsOf: dir) }
  }

  @Test func spacePaddedHeaderIsAccepted() throws {
    let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"# + String(repeating: " ", count: 5)
    let url = try RawFiles.write(RawFiles.bytes(header: header, data: RawFiles.f32([1.5, -2])))
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(try file.tensor("a") == .init(shape: [2], data: [1.5, -2]))
  }

  @Test func gapsAndZeroSizedTensorsAreAccepted() throws {
    // b is zero-sized and sits inside a; c starts after a 4-byte gap.
    let header = #"{"c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}}"#
    let url = try RawFiles.write(RawFiles.bytes(header: header, data: RawFiles.f32([1, 2, 3, 4])))
    let file = try SafeTensorsFile(contentsOf: url)
    #expect(file.names == ["a", "b", "c"])
    #expect(try file.tensor("b").shape == [0, 3])
    #expect(try file.tensor("c").data == [4])
  }
}
