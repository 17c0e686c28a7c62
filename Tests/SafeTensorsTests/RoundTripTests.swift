import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

struct RoundTripTests {
  @Test func writeThenReadGivesTheSameTensors() throws {
    let tensors: [(name: String, tensor: Tensor)] = [
      ("vision_model.embeddings.class_embedding", Tensor(shape: [4], data: [0.5, -1, 3.25, 1e-30])),
      ("text_model.final_layer_norm.weight", Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, .infinity])),
      ("logit_scale", Tensor(shape: [], data: [4.6052])),
      ("empty", Tensor(zeros: [0, 5])),
      ("name with \"quotes\", \\ and ünïcode\n", Tensor(shape: [1, 1, 1], data: [-0.0])),
    ]
    let url = Fixtures.temporaryDirectory().appendingPathComponent("model.safetensors")
    try SafeTensorsWriter.write(tensors, metadata: ["format": "pt", "step": "12"], to: url)

    let file = try SafeTensorsFile(contentsOf: url)
    #expect(file.names == tensors.map(\.name))
    #expect(file.metadata == ["format": "pt", "step": "12"])
    for (name, tensor) in tensors {
      let read = try file.tensor(name)
      #expect(read.shape == tensor.shape, "\(name)")
      #expect(read.data.map(\.bitPattern) == tensor.data.map(\.bitPattern), "\(name)")
      #expect(file.info(name)?.dtype == .f32)
      #expect(file.contains(name))
    }
    #expect(file.info("logit_scale")?.byteRange == 40..<44)
    #expect(!file.contains("missing"))
    #expect(file.info("missing") == nil)
  }

  @Test func headerIsPaddedToEightBytes() throws {
    for nameLength in 1...9 {
      let url = Fixtures.temporaryDirectory().appendingPathComponent("a.safetensors")
      try SafeTensorsWriter.write([(String(repeating: "x", count: nameLength), Tensor(shape: [1], data: [2]))], to: url)
      let bytes = [UInt8](try Data(contentsOf: url))
      let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
      #expect(headerLength % 8 == 0)
      #expect(bytes.count == 8 + headerLength + 4)
      #expect(bytes[8 + headerLength - 1] == UInt8(ascii: " ") || bytes[8 + headerLength - 1] == UInt8(ascii: "}"))
      #expect(try SafeTensorsFile(contentsOf: url).tensor(String(repeating: "x", count: nameLength)).data == [2])
    }
  }

  @Test func largeTensorRoundTrips() throws {
    let n = 300_000
    let t = Tensor(shape: [n / 100, 100], data: (0..<n).map { Float($0) * 0.25 - 1000 })
    let url = Fixtures.temporaryDirectory().appendingPathComponent("big.safetensors")
    try SafeTensorsWriter.write([("w", t)], to: url)
    #expect(try SafeTensorsFile(contentsOf: url).tensor("w") == t)
  }

  @Test func writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws {
    let dir = Fixtures.temporaryDirectory()
    let url = dir.appendingPathComponent("model.safetensors")
    try SafeTensorsWriter.write([("a", Tensor(shape: [1], data: [1]))], to: url)
    let opened = try SafeTensorsFile(contentsOf: url)   // keeps the old file mapped
    try SafeTensorsWriter.write([("b", Tensor(shape: [2], data: [7, 8]))], to: url)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
    #expect(try SafeTensorsFile(contentsOf: url).names == ["b"])
    // The old mapping still reads the old contents: the new file was renamed over it, not rewritten.
    #expect(try opened.tensor("a").data == [1])
  }

  @Test func duplicateAndReservedNamesAreRejected() throws {
    let dir = Fixtures.temporaryDirectory()
    let url = dir.appendingPathComponent("x.safetensors")
    let t = Tensor(shape: [1], data: [1])
    #expect { try SafeTensorsWriter.write([("a", t), ("a", t)], to: url) } throws: { error in
      (error as? SafeTensorsError)?.message.contains("'a' given twice") == true
    }
    #expect(throws: SafeTensorsError.self) { try SafeTensorsWriter.write([("__metadata__", t)], to: url) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
  }

  @Test func unwritableDestinationNamesTheFile() throws {
    let url = URL(fileURLWithPath: "/nonexistent-cliptune-dir/x.safetensors")
    #expect { try SafeTensorsWriter.write([("a", Tensor(shape: [1], data: [1]))], to: url) } throws: { error in
      (error as? SafeTensorsError)?.file == url.path
    }
  }

  @Test func missingTensorGivesAClearError() throws {
    let url = Fixtures.temporaryDirectory().appendingPathComponent("m.safetensors")
    try SafeTensorsWriter.write([("text_model.embeddings.token_embedding.weight", Tensor(zeros: [2, 2]))], to: url)
    let file = try SafeTensorsFile(contentsOf: url)
    #expect { _ = try file.tensor("token_embedding.weight") } throws: { error in
      guard let e = error as? SafeTensorsError else { return false }
      return e.file == url.path && e.message.contains("no tensor named 'token_embedding.weight'")
        && e.message.contains("similar: 'text_model.embeddings.token_embedding.weight'")
    }
    #expect(throws: SafeTensorsError.self) { _ = try file.integers("nope") }
  }
}
