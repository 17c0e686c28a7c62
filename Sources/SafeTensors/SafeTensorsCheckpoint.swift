import Foundation
import Tensors

/// A whole checkpoint: either one `model.safetensors` or a sharded checkpoint described by
/// `model.safetensors.index.json` (whose `weight_map` maps each tensor name to its shard file,
/// relative to the index's folder).
///
/// All shards are opened (memory-mapped) and checked against the index at `init`. Immutable
/// afterwards and safe to share between threads.
public final class SafeTensorsCheckpoint: @unchecked Sendable {
  /// The file the checkpoint was opened from (`.safetensors` or `.index.json`).
  public let url: URL
  /// The open files: one, or every shard named by the index (sorted by file name).
  public let files: [SafeTensorsFile]
  /// Tensor names: shard by shard (shards sorted by file name), each in data-offset order.
  public let names: [String]
  private let location: [String: Int]   // name → index in `files`

  /// Opens the checkpoint in `directory`: `model.safetensors` if present, else
  /// `model.safetensors.index.json`. Throws if neither exists.
  public convenience init(directory: URL) throws {
    let single = directory.appendingPathComponent("model.safetensors")
    let index = directory.appendingPathComponent("model.safetensors.index.json")
    if InputFile.kind(single.path) != nil {
      try self.init(file: single)
    } else if InputFile.kind(index.path) != nil {
      try self.init(file: index)
    } else {
      throw SafeTensorsError(file: directory.path, message: "no model.safetensors or model.safetensors.index.json in this folder")
    }
  }

  /// Opens a single `.safetensors` file, or a sharded checkpoint through its `.json` index.
  public init(file: URL) throws {
    url = file
    if file.pathExtension.lowercased() == "json" {
      let weightMap = try Self.readWeightMap(file)
      let folder = file.deletingLastPathComponent()
      let shardNames = Set(weightMap.values).sorted()
      var files: [SafeTensorsFile] = []
      for shard in shardNames {
        files.append(try SafeTensorsFile(contentsOf: folder.appendingPathComponent(shard)))
      }
      var names: [String] = []
      var location: [String: Int] = [:]
      for (i, shard) in files.enumerated() {
        for name in shard.names where weightMap[name] == shardNames[i] {
          names.append(name)
          location[name] = i
        }
      }
      if let lost = weightMap.keys.sorted().first(where: { location[$0] == nil }) {
        throw SafeTensorsError(file: file.path, message: "weight_map puts '\(lost)' in \(weightMap[lost]!), which has no such tensor")
      }
      self.files = files
      self.names = names
      self.location = location
    } else {
      let single = try SafeTensorsFile(contentsOf: file)
      files = [single]
      names = single.names
      location = Dictionary(uniqueKeysWithValues: single.names.map { ($0, 0) })
    }
  }

  /// Whether the checkpoint holds a tensor called `name`.
  public func contains(_ name: String) -> Bool { location[name] != nil }

  /// The entry for `name` (offsets relative to its shard's data section), or nil.
  public func info(_ name: String) -> SafeTensorInfo? {
    location[name].flatMap { files[$0].info(name) }
  }

  /// The tensor `name` as Float32 (see `SafeTensorsFile.tensor(_:)`); throws naming the checkpoint
  /// if there is no such tensor.
  public func tensor(_ name: String) throws -> Tensor {
    guard let i = location[name] else {
      throw SafeTensorsError(file: url.path, message: MissingTensor.message(name, available: names))
    }
    return try files[i].tensor(name)
  }

  /// Reads and checks the `weight_map` of a sharded checkpoint index.
  private static func readWeightMap(_ file: URL) throws -> [String: String] {
    func fail(_ message: String) -> SafeTensorsError { SafeTensorsError(file: file.path, message: message) }
    let data: Data
    do {
      data = try InputFile.read(file.path, what: "checkpoint index", limit: 64 << 20)
    } catch let e as InputFileError {
      throw fail(e.message)
    }
    if let duplicate = JSONDuplicateKeys.first(in: data) {
      throw fail("key '\(duplicate)' appears twice in the checkpoint index")
    }
    guard let json = try? JSONSerialization.jsonObject(with: data), let object = json as? [String: Any] else {
      throw fail("checkpoint index is not a JSON object")
    }
    guard let rawMap = object["weight_map"] else { throw fail("checkpoint index has no weight_map") }
    guard let map = rawMap as? [String: String] else {
      throw fail("weight_map is not an object mapping tensor names to shard file names")
    }
    guard !map.isEmpty else { throw fail("weight_map is empty") }
    for shard in Set(map.values) where shard.isEmpty || shard.hasPrefix("/") || shard.split(separator: "/").contains("..") {
      throw fail("weight_map names shard '\(shard)', which is not a file name inside the index's folder")
    }
    return map
  }
}
