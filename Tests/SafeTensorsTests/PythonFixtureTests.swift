import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Reads a file written by the reference Python writer (Scripts/fixtures/make_safetensors_fixtures.py).
struct PythonFixtureTests {
  let file: SafeTensorsFile

  init() throws {
    file = try SafeTensorsFile(contentsOf: Fixtures.url("safetensors/mixed.safetensors"))
  }

  @Test func namesAndMetadata() {
    #expect(Set(file.names) == ["f32", "f16", "bf16", "f64", "i64", "i32", "bool"])
    let starts = file.names.map { file.info($0)!.byteRange.lowerBound }
    #expect(starts == starts.sorted())
    #expect(file.metadata == ["format": "pt", "note": "ClipTune fixture"])
    #expect(file.info("f16")?.shape == [3, 3])
    #expect(file.info("bool")?.dtype == .bool)
  }

  @Test func f32() throws {
    #expect(try file.tensor("f32") == Tensor(shape: [2, 3], data: [0, 1.5, -2.25, 1e-3, 3.0e38, -7]))
  }

  @Test func f16IncludingSubnormalsInfinitiesAndNaN() throws {
    let t = try file.tensor("f16")
    #expect(t.shape == [3, 3])
    let expected: [Float] = [1, -0.5, 65504, 0x1p-24, 0x1p-14 - 0x1p-24, -0.0, .infinity, -.infinity]
    #expect(t.data.prefix(8).map(\.bitPattern) == expected.map(\.bitPattern))
    #expect(t.data[8].isNaN)
  }

  @Test func bf16() throws {
    #expect(try file.tensor("bf16").data == [1, -2.5, 0.15625, 0x1p100, 0x1p-133, -3])
  }

  @Test func f64AndIntegers() throws {
    #expect(try file.tensor("f64").data == [Float(0.1), -2.5])
    #expect(try file.integers("i64") == [-1, 0, 7, 1 << 62])
    #expect(try file.tensor("i64") == Tensor(shape: [2, 2], data: [-1, 0, 7, 0x1p62]))
    #expect(try file.integers("i32") == [-5, 123_456])
    #expect(try file.integers("bool") == [1, 0, 1])
  }
}
