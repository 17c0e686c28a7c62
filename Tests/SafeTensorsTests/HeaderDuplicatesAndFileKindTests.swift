import Foundation
@testable import SafeTensors
import TestSupport
import Testing

/// Headers that JSON parsers would accept by dropping a repeated key, and paths that are not
/// regular files, are refused naming the file (and the key); nothing blocks.
struct HeaderDuplicatesAndFileKindTests {
  static let entryA = #""a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}"#
  static let entryA2 = #""a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}"#

  @Test func duplicateTensorNameIsRefused() throws {
    let (url, error) = try RawFiles.openError(RawFiles.bytes(header: "{\(Self.entryA), \(Self.entryA2)}", data: Array(repeating: 0, count: 8)))
    #expect(error?.file == url.path)
    #expect(error?.message == "header has key 'a' twice (each tensor and field must appear once)", "\(String(describing: error))")
  }

  @Test func duplicateFieldInsideAnEntryIsRefused() throws {
    let header = #"{"a": {"dtype": "F32", "shape": [1], "shape": [2], "data_offsets": [0, 4]}}"#
    let (_, error) = try RawFiles.openError(RawFiles.bytes(header: header, data: Array(repeating: 0, count: 4)))
    #expect(error?.message.contains("header has key 'a.shape' twice") == true, "\(String(describing: error))")
  }

  @Test func escapedSpellingOfTheSameKeyIsADuplicate() throws {
    let header = #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "\u0061": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#
    let (_, error) = try RawFiles.openError(RawFiles.bytes(header: header, data: Array(repeating: 0, count: 8)))
    #expect(error?.message.contains("header has key 'a' twice") == true, "\(String(describing: error))")
  }

  @Test func scannerIgnoresKeysInStringsArraysAndSeparateObjects() {
    let ok = #"{"x": {"k": 1}, "y": {"k": [{"k": 2}, {"k": 3}]}, "z": "\"x\": 1, \"x\""}"#
    #expect(JSONDuplicateKeys.first(in: Data(ok.utf8)) == nil)
    #expect(JSONDuplicateKeys.first(in: Data(#"{"y": [{"k": 2, "k": 3}]}"#.utf8)) == "y.k")
    #expect(JSONDuplicateKeys.first(in: Data(#"{"__metadata__": {"f": "a", "f": "b"}}"#.utf8)) == "__metadata__.f")
  }

  @Test func duplicateInACheckpointIndexIsRefused() throws {
    let dir = Fixtures.temporaryDirectory("index-dup")
    let index = dir.appendingPathComponent("model.safetensors.index.json")
    try #"{"weight_map": {"a": "one.safetensors", "a": "two.safetensors"}}"#.write(to: index, atomically: true, encoding: .utf8)
    let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsCheckpoint(file: index) }
    #expect(error?.description == "\(index.path): key 'weight_map.a' appears twice in the checkpoint index")
  }

  @Test func fifoIsRefusedWithoutBlocking() throws {
    let url = Fixtures.temporaryDirectory("fifo").appendingPathComponent("model.safetensors")
    #expect(mkfifo(url.path, 0o644) == 0)
    let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
    #expect(error?.description == "\(url.path): is a FIFO, not a regular file")
    let checkpoint = #expect(throws: SafeTensorsError.self) { try SafeTensorsCheckpoint(directory: url.deletingLastPathComponent()) }
    #expect(checkpoint?.description.contains("is a FIFO") == true)
  }

  @Test func folderIsRefused() throws {
    let url = Fixtures.temporaryDirectory("folder").appendingPathComponent("model.safetensors")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(contentsOf: url) }
    #expect(error?.description == "\(url.path): is a folder, not a safetensors file")
    let index = url.deletingLastPathComponent().appendingPathComponent("model.safetensors.index.json")
    try FileManager.default.removeItem(at: url)
    try FileManager.default.createDirectory(at: index, withIntermediateDirectories: false)
    let indexError = #expect(throws: SafeTensorsError.self) { try SafeTensorsCheckpoint(file: index) }
    #expect(indexError?.description == "\(index.path): is a folder, not a checkpoint index")
  }

  /// The cross-checks a header already had, kept refused (listed here so the set is visible).
  @Test(arguments: [
    (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, 8, "span 4 bytes but shape [2] of F32 needs 8"),
    (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, 8, "need 0 <= begin <= end"),
    (#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#, 8, "run past the end of the data section"),
    (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, 8, "overlap"),
    (#"{"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#, 8, "has too many elements"),
    (#"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, 8, "negative dimension"),
    (#"{"a": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 4]}}"#, 8, "unknown or unsupported dtype 'Q4'"),
  ])
  func inconsistentEntriesAreRefused(header: String, dataBytes: Int, message: String) throws {
    let (url, error) = try RawFiles.openError(RawFiles.bytes(header: header, data: Array(repeating: 0, count: dataBytes)))
    #expect(error?.file == url.path)
    #expect(error?.message.contains(message) == true, "\(String(describing: error))")
  }

  @Test func absurdHeaderLengthIsRefusedBeforeReading() throws {
    let (_, error) = try RawFiles.openError(RawFiles.bytes(header: "{}", length: UInt64.max))
    #expect(error?.message.contains("exceeds the 100000000-byte limit") == true, "\(String(describing: error))")
  }
}
