import Foundation
import Tensors

/// Image features on disk, so a sweep encodes each image once: one small file per (model key,
/// image contents) under `directory/<model key>/<first two hex digits>/<image key>.f32`.
///
/// The model key (`modelKey(…)`) names everything that changes the features: the model's
/// config, weights and preprocessing. The image key hashes the file's bytes, so a renamed or
/// copied image hits and an edited one misses. A file is `CTFEAT01`, the dimension (UInt32 LE),
/// then the floats (LE); one that is unreadable or of the wrong size is recomputed and replaced.
/// Writes are atomic (temporary file + rename), so a killed run leaves no partial entry.
public final class FeatureCache {
  public let directory: URL
  public let modelKey: String
  /// Images whose features were computed (cache misses) since this object was made.
  public private(set) var encodedCount = 0
  /// Images whose features were read from disk.
  public private(set) var hitCount = 0
  private static let magic = Data("CTFEAT01".utf8)

  public init(directory: URL, modelKey: String) {
    self.directory = directory
    self.modelKey = modelKey
  }

  /// The key of a model folder with the given preprocessing description: its config.json and
  /// preprocessor_config.json bytes, and for each weights file its name, size and first and last
  /// MiB (a safetensors header lists every tensor's offsets, so any change of shape moves it).
  public static func modelKey(modelDirectory: URL, preprocessing: String) throws -> String {
    var hash = ContentHash([preprocessing])
    let fm = FileManager.default
    let names = try fm.contentsOfDirectory(atPath: modelDirectory.path).sorted()
    for name in names where name == "config.json" || name == "preprocessor_config.json" || name.hasSuffix(".safetensors")
      || name.hasSuffix(".index.json") {
      let url = modelDirectory.appendingPathComponent(name)
      hash.update(Data(name.utf8))
      guard let handle = try? FileHandle(forReadingFrom: url) else { continue }
      defer { try? handle.close() }
      let size = try handle.seekToEnd()
      hash.update(Data(String(size).utf8))
      try handle.seek(toOffset: 0)
      hash.update(try handle.read(upToCount: 1 << 20) ?? Data())
      if size > 2 << 20 {
        try handle.seek(toOffset: size - (1 << 20))
        hash.update(try handle.read(upToCount: 1 << 20) ?? Data())
      }
    }
    return hash.description
  }

  /// The features of `images` ([N, dim], in order): read from the cache where present, the rest
  /// computed by `compute` (called once, with the missing images in order, returning [M, dim]) and
  /// stored. An image read for hashing that cannot be read throws (naming the file).
  public func features(_ images: [URL], dim: Int, compute: ([URL]) throws -> Tensor) throws -> Tensor {
    var out = Tensor(zeros: [images.count, dim])
    var missing: [(index: Int, url: URL, file: URL)] = []
    for (i, url) in images.enumerated() {
      let file = try entry(for: url)
      if let values = Self.read(file, dim: dim) {
        for k in 0..<dim { out.data[i * dim + k] = values[k] }
        hitCount += 1
      } else {
        missing.append((i, url, file))
      }
    }
    guard !missing.isEmpty else { return out }
    let computed = try compute(missing.map(\.url))
    precondition(computed.shape == [missing.count, dim], "feature cache: compute returned \(computed.shape)")
    for (j, m) in missing.enumerated() {
      let row = Array(computed.data[(j * dim)..<((j + 1) * dim)])
      for k in 0..<dim { out.data[m.index * dim + k] = row[k] }
      try Self.write(row, to: m.file)
    }
    encodedCount += missing.count
    return out
  }

  private func entry(for image: URL) throws -> URL {
    let data: Data
    do { data = try InputFile.read(image.path, what: "image", limit: 1 << 30) } catch let error as InputFileError {
      throw DatasetError(file: image.path, message: error.message)
    }
    var hash = ContentHash()
    hash.update(data)
    let key = hash.description
    return directory.appendingPathComponent(modelKey).appendingPathComponent(String(key.prefix(2)))
      .appendingPathComponent(key + ".f32")
  }

  private static func read(_ file: URL, dim: Int) -> [Float]? {
    guard let data = try? Data(contentsOf: file), data.count == 12 + 4 * dim, data.prefix(8) == magic else { return nil }
    let stored = data.subdata(in: 8..<12).withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
    guard stored == dim else { return nil }
    return data.subdata(in: 12..<data.count).withUnsafeBytes { raw in
      (0..<dim).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }
  }

  private static func write(_ values: [Float], to file: URL) throws {
    var data = magic
    withUnsafeBytes(of: UInt32(values.count).littleEndian) { data.append(contentsOf: $0) }
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    do {
      try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: file, options: .atomic)
    } catch {
      throw DatasetError(file: file.path, message: "cannot write the feature cache: \(error.localizedDescription)")
    }
  }
}
