import Foundation
import Testing
import TestSupport

/// `Tests/Fixtures/images/manifest.json`, written by Scripts/fixtures/make_image_fixtures.py.
struct ImageManifest: Decodable, Sendable {
  struct Decode: Decodable, Sendable, CustomTestStringConvertible {
    var file: String
    var expected: String
    var shape: [Int]  // [H, W, 3]
    var pilMode: String
    var orientation: Int?
    var note: String
    var testDescription: String { file }
  }
  struct Resize: Decodable, Sendable, CustomTestStringConvertible {
    var source: String
    var sourceShape: [Int]  // [H, W, 3]
    var width: Int
    var height: Int
    var filter: Int
    var expected: String
    var shape: [Int]
    var note: String
    var testDescription: String { "\(source) → \(width)×\(height) filter \(filter)" }
  }
  struct Pipeline: Decodable, Sendable, CustomTestStringConvertible {
    var file: String
    var config: String
    var expected: String
    var shape: [Int]  // [3, H, W]
    var torchvisionVsPilMaxAbs: Double?
    var testDescription: String { "\(file) with \(config)" }
  }
  struct Config: Decodable, Sendable, CustomTestStringConvertible {
    struct HF: Decodable, Sendable {
      var doResize: Bool
      var size: [String: Int]
      var resample: Int
      var doCenterCrop: Bool
      var cropSize: [String: Int]
      var doRescale: Bool
      var rescaleFactor: Double
      var doNormalize: Bool
      var imageMean: [Double]
      var imageStd: [Double]
    }
    var file: String
    var hf: HF
    var testDescription: String { file }
  }
  struct ErrorCase: Decodable, Sendable, CustomTestStringConvertible {
    var file: String
    var kind: String
    var pillow: String
    var testDescription: String { file }
  }

  var decode: [Decode]
  var resize: [Resize]
  var pipeline: [Pipeline]
  var configs: [Config]
  var errors: [ErrorCase]

  static let empty = ImageManifest(decode: [], resize: [], pipeline: [], configs: [], errors: [])

  /// The manifest, or `empty` when it cannot be read (`ImageFixtureTests` then fails loudly).
  static let shared: ImageManifest = (try? load()) ?? .empty

  static func load() throws -> ImageManifest {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(ImageManifest.self, from: Data(contentsOf: ImageFixtures.url("manifest.json")))
  }
}

enum ImageFixtures {
  /// A path below `Tests/Fixtures/images`.
  static func url(_ relative: String) -> URL { Fixtures.url("images/" + relative) }

  /// Raw bytes of an expected-output file.
  static func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(relative))) }

  /// A little-endian float32 file.
  static func floats(_ relative: String) throws -> [Float] {
    let data = try Data(contentsOf: url(relative))
    return data.withUnsafeBytes { raw in
      (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }
  }
}

/// Largest absolute difference between two byte arrays (Int.max when the lengths differ).
func maxByteDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
  guard a.count == b.count else { return Int.max }
  var m = 0
  for i in a.indices { m = max(m, abs(Int(a[i]) - Int(b[i]))) }
  return m
}

/// Number of positions where two byte arrays differ.
func differingBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
  zip(a, b).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) } + abs(a.count - b.count)
}
