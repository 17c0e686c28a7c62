import Foundation

/// The parsed and validated header of a safetensors file:
/// `u64 little-endian header length N` · `N bytes of UTF-8 JSON (may end in spaces)` · `data`.
struct SafeTensorsHeader {
  /// Headers above this size are rejected as corrupt (the reference implementation's limit).
  static let maxHeaderBytes = 100_000_000

  /// Tensor entries in data-offset order (ties broken by name).
  let entries: [SafeTensorInfo]
  /// The `__metadata__` object, or empty.
  let metadata: [String: String]
  /// Offset of the data section from the start of the file (8 + header length).
  let dataStart: Int

  /// Parses and validates the header found in `file` (the whole file's bytes); `path` names the
  /// file in errors.
  init(file: UnsafeRawBufferPointer, path: String) throws {
    func fail(_ message: String) -> SafeTensorsError { SafeTensorsError(file: path, message: message) }

    guard file.count >= 8 else {
      throw fail("file is \(file.count) bytes, shorter than the 8-byte header length field")
    }
    let rawLength = UInt64(littleEndian: file.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
    guard rawLength <= UInt64(Self.maxHeaderBytes) else {
      throw fail("header length \(rawLength) exceeds the \(Self.maxHeaderBytes)-byte limit (corrupt or not a safetensors file)")
    }
    let headerLength = Int(rawLength)
    guard headerLength <= file.count - 8 else {
      throw fail("header length \(headerLength) runs past the end of the file (\(file.count) bytes; truncated?)")
    }
    let headerBytes = UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)])
    guard headerBytes.first == UInt8(ascii: "{") else {
      throw fail("header does not start with '{' (not a safetensors file?)")
    }
    guard String(validating: headerBytes, as: UTF8.self) != nil else {
      throw fail("header is not valid UTF-8")
    }
    if let duplicate = JSONDuplicateKeys.first(in: headerBytes) {
      throw fail("header has key '\(duplicate)' twice (each tensor and field must appear once)")
    }
    let raw: RawHeader
    do {
      raw = try JSONDecoder().decode(RawHeader.self, from: Data(headerBytes))
    } catch let problem as HeaderProblem {
      throw fail(problem.message)
    } catch DecodingError.typeMismatch {
      throw fail("header is not a JSON object")
    } catch {
      throw fail("header is not valid JSON")
    }

    let dataStart = 8 + headerLength
    let dataSize = file.count - dataStart
    var entries = try raw.entries.map { try Self.validate($0.name, $0.entry, dataSize: dataSize, fail: fail) }
    entries.sort {
      ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name)
        < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name)
    }
    var previous: SafeTensorInfo? = nil
    for entry in entries where !entry.byteRange.isEmpty {
      if let p = previous, entry.byteRange.lowerBound < p.byteRange.upperBound {
        throw fail("tensors '\(p.name)' (bytes \(p.byteRange)) and '\(entry.name)' (bytes \(entry.byteRange)) overlap")
      }
      previous = entry
    }

    self.entries = entries
    self.metadata = raw.metadata
    self.dataStart = dataStart
  }

  /// Checks one entry's dtype, shape and offsets against each other and the data section size.
  private static func validate(_ name: String, _ raw: RawEntry, dataSize: Int,
                               fail: (String) -> SafeTensorsError) throws -> SafeTensorInfo {
    guard let dtype = SafeTensorsDType(rawValue: raw.dtype) else {
      let known = SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
      throw fail("tensor '\(name)': unknown or unsupported dtype '\(raw.dtype)' (supported: \(known))")
    }
    let shape = raw.shape
    if let negative = shape.first(where: { $0 < 0 }) {
      throw fail("tensor '\(name)': negative dimension \(negative) in shape \(shape)")
    }
    guard raw.offsets.count == 2 else {
      throw fail("tensor '\(name)': data_offsets \(raw.offsets) is not a pair [begin, end]")
    }
    let (begin, end) = (raw.offsets[0], raw.offsets[1])
    guard begin >= 0, begin <= end else {
      throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] need 0 <= begin <= end")
    }
    var elements = 1
    for d in shape {
      let (product, overflow) = elements.multipliedReportingOverflow(by: d)
      guard !overflow else { throw fail("tensor '\(name)': shape \(shape) has too many elements") }
      elements = product
    }
    let (needed, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
    guard !overflow, needed == end - begin else {
      throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] span \(end - begin) bytes but shape \(shape) of \(dtype.rawValue) needs \(overflow ? "more" : String(needed))")
    }
    guard end <= dataSize else {
      throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] run past the end of the data section (\(dataSize) bytes; truncated?)")
    }
    return SafeTensorInfo(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
  }
}

/// A readable reason, thrown from inside `Decodable` conversions and turned into a `SafeTensorsError`.
private struct HeaderProblem: Error {
  let message: String
}

/// Any JSON object key.
private struct AnyKey: CodingKey {
  let stringValue: String
  var intValue: Int? { nil }
  init(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { return nil }
}

/// The header JSON as decoded, before cross-checks.
private struct RawHeader: Decodable {
  var metadata: [String: String] = [:]
  var entries: [(name: String, entry: RawEntry)] = []

  init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys {
      if key.stringValue == "__metadata__" {
        do {
          metadata = try container.decode([String: String].self, forKey: key)
        } catch {
          throw HeaderProblem(message: "__metadata__ is not a JSON object of strings")
        }
        continue
      }
      let entry: KeyedDecodingContainer<AnyKey>
      do {
        entry = try container.nestedContainer(keyedBy: AnyKey.self, forKey: key)
      } catch {
        throw HeaderProblem(message: "tensor '\(key.stringValue)': entry is not a JSON object")
      }
      entries.append((key.stringValue, try RawEntry(entry, name: key.stringValue)))
    }
  }
}

/// One tensor entry as decoded: the three required fields, with their JSON types checked.
private struct RawEntry {
  let dtype: String
  let shape: [Int]
  let offsets: [Int]

  init(_ c: KeyedDecodingContainer<AnyKey>, name: String) throws {
    func field<T: Decodable>(_ key: String, _ type: T.Type, _ what: String) throws -> T {
      let k = AnyKey(stringValue: key)
      guard c.contains(k) else { throw HeaderProblem(message: "tensor '\(name)': missing \(key)") }
      do {
        return try c.decode(T.self, forKey: k)
      } catch {
        throw HeaderProblem(message: "tensor '\(name)': \(key) is not \(what)")
      }
    }
    dtype = try field("dtype", String.self, "a string")
    shape = try field("shape", [Int].self, "an array of integers")
    offsets = try field("data_offsets", [Int].self, "an array of integers [begin, end]")
  }
}
