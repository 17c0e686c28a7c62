import Foundation
import Tensors

/// One `.safetensors` file, memory-mapped read-only. The header is fully validated when the file
/// is opened (entries, dtypes, shapes, offsets against the file size, overlaps), so later reads
/// cannot run out of bounds.
///
/// Instances are immutable after `init` and safe to share between threads.
public final class SafeTensorsFile: @unchecked Sendable {
  /// The file's location.
  public let url: URL
  private let mapping: MappedFile
  private let header: SafeTensorsHeader
  private let index: [String: Int]

  /// Opens and validates `url`. Throws `SafeTensorsError` naming the file when it cannot be read
  /// or its header is malformed.
  public init(contentsOf url: URL) throws {
    self.url = url
    mapping = try MappedFile(path: url.path)
    header = try SafeTensorsHeader(file: mapping.bytes, path: url.path)
    index = Dictionary(uniqueKeysWithValues: header.entries.enumerated().map { ($1.name, $0) })
  }

  /// Tensor names in data-offset order.
  public var names: [String] { header.entries.map(\.name) }

  /// The header's `__metadata__` entry (empty when absent).
  public var metadata: [String: String] { header.metadata }

  /// Every tensor's entry, in data-offset order.
  public var infos: [SafeTensorInfo] { header.entries }

  /// The entry for `name`, or nil if the file has no such tensor.
  public func info(_ name: String) -> SafeTensorInfo? {
    index[name].map { header.entries[$0] }
  }

  /// Whether the file holds a tensor called `name`.
  public func contains(_ name: String) -> Bool { index[name] != nil }

  /// The tensor `name` as Float32: F32 copied as is; F16 and BF16 widened exactly; F64 rounded;
  /// integer and BOOL elements converted to Float.
  public func tensor(_ name: String) throws -> Tensor {
    let entry = try require(name)
    let data = ElementDecoding.floats(bytes(of: entry), dtype: entry.dtype, count: entry.elementCount)
    return Tensor(shape: entry.shape, data: data)
  }

  /// The elements of an integer tensor (I64, I32, I16, I8, U8; BOOL as 0/1), flattened row-major.
  /// Throws for floating-point tensors.
  public func integers(_ name: String) throws -> [Int] {
    let entry = try require(name)
    guard entry.dtype.isInteger else {
      throw SafeTensorsError(file: url.path, message: "tensor '\(name)' is \(entry.dtype.rawValue), not an integer type")
    }
    return ElementDecoding.integers(bytes(of: entry), dtype: entry.dtype, count: entry.elementCount)
  }

  /// The raw little-endian bytes of `entry`, valid while `self` is alive.
  private func bytes(of entry: SafeTensorInfo) -> UnsafeRawBufferPointer {
    let start = header.dataStart + entry.byteRange.lowerBound
    return UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<(start + entry.byteRange.count)])
  }

  private func require(_ name: String) throws -> SafeTensorInfo {
    guard let entry = info(name) else {
      throw SafeTensorsError(file: url.path, message: MissingTensor.message(name, available: names))
    }
    return entry
  }
}

/// The wording of "no such tensor" errors, shared by files and checkpoints.
enum MissingTensor {
  static func message(_ name: String, available: [String]) -> String {
    let shown = available.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
    let more = available.count > 5 ? ", …" : ""
    let similar = available.filter { $0.hasSuffix(name) || name.hasSuffix($0) }.prefix(3)
    let hint = similar.isEmpty ? "" : "; similar: " + similar.map { "'\($0)'" }.joined(separator: ", ")
    return "no tensor named '\(name)' (\(available.count) tensors: \(shown)\(more)\(hint))"
  }
}
