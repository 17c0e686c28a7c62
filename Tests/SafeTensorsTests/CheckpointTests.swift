import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

struct CheckpointTests {
  let a = Tensor(shape: [2], data: [1, 2])
  let b = Tensor(shape: [1, 3], data: [3, 4, 5])
  let c = Tensor(shape: [], data: [6])

  /// A sharded checkpoint in a fresh folder: shard 1 holds b and a, shard 2 holds c.
  func sharded(index: String? = nil) throws -> URL {
    let dir = Fixtures.temporaryDirectory("checkpoint")
    try SafeTensorsWriter.write([("b", b), ("a", a)], to: dir.appendingPathComponent("model-00001-of-00002.safetensors"))
    try SafeTensorsWriter.write([("c", c)], to: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
    let json = index ?? """
      {"metadata": {"total_size": 24}, "weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
        "c": "model-00002-of-00002.safetensors"}}
      """
    try Data(json.utf8).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
    return dir
  }

  @Test func shardedCheckpointFromDirectory() throws {
    let ckpt = try SafeTensorsCheckpoint(directory: sharded())
    #expect(ckpt.names == ["b", "a", "c"])
    #expect(ckpt.files.count == 2)
    #expect(try ckpt.tensor("a") == a)
    #expect(try ckpt.tensor("b") == b)
    #expect(try ckpt.tensor("c") == c)
    #expect(ckpt.contains("c") && !ckpt.contains("d"))
    #expect(ckpt.info("c")?.shape == [])
    #expect(ckpt.url.lastPathComponent == "model.safetensors.index.json")
  }

  @Test func shardedCheckpointFromIndexFile() throws {
    let ckpt = try SafeTensorsCheckpoint(file: sharded().appendingPathComponent("model.safetensors.index.json"))
    #expect(try ckpt.tensor("c") == c)
  }

  @Test func singleFilePreferredOverIndex() throws {
    let dir = try sharded()
    try SafeTensorsWriter.write([("z", a)], to: dir.appendingPathComponent("model.safetensors"))
    let ckpt = try SafeTensorsCheckpoint(directory: dir)
    #expect(ckpt.names == ["z"])
    #expect(try SafeTensorsCheckpoint(file: dir.appendingPathComponent("model.safetensors")).names == ["z"])
  }

  @Test func emptyDirectoryIsAClearError() throws {
    let dir = Fixtures.temporaryDirectory()
    #expect { _ = try SafeTensorsCheckpoint(directory: dir) } throws: { error in
      guard let e = error as? SafeTensorsError else { return false }
      return e.file == dir.path && e.message.contains("no model.safetensors or model.safetensors.index.json")
    }
  }

  @Test func missingTensorNamesTheCheckpoint() throws {
    let dir = try sharded()
    let ckpt = try SafeTensorsCheckpoint(directory: dir)
    #expect { _ = try ckpt.tensor("vision_model.post_layernorm.weight") } throws: { error in
      guard let e = error as? SafeTensorsError else { return false }
      return e.file.hasSuffix("model.safetensors.index.json")
        && e.message.contains("no tensor named 'vision_model.post_layernorm.weight' (3 tensors")
    }
  }

  @Test("bad index is rejected", arguments: [
    (#"[1]"#, "not a JSON object"),
    (#"{"metadata": {}}"#, "no weight_map"),
    (#"{"weight_map": {"a": 3}}"#, "weight_map is not an object"),
    (#"{"weight_map": {}}"#, "weight_map is empty"),
    (#"{"weight_map": {"a": "../x.safetensors"}}"#, "not a file name inside"),
    (#"{"weight_map": {"d": "model-00002-of-00002.safetensors"}}"#, "puts 'd' in model-00002-of-00002.safetensors, which has no such tensor"),
    (#"{"weight_map": {"a": "model-00003-of-00002.safetensors"}}"#, "cannot open"),
  ])
  func badIndex(json: String, expected: String) throws {
    let dir = try sharded(index: json)
    #expect { _ = try SafeTensorsCheckpoint(directory: dir) } throws: { error in
      (error as? SafeTensorsError)?.description.contains(expected) == true
    }
  }
}
