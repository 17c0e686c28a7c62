import Foundation
import Tensors

/// A few-shot draw as a run folder keeps it (`fewshot_draw.json`), so a run can be audited,
/// repeated or resumed on the same images:
///
///     {"class_names": ["cat", "dog"], "sampler": "cliptune fewshot v1", "seed": 1, "shots": 16,
///      "with_replacement": false, "samples": [{"index": 3, "label": 0, "path": "train/cat/004.jpg"}, …]}
///
/// `shots` is a number or `"all"`; `path` is relative to the dataset root (absolute when the
/// image lies outside it); `index` is the position in the dataset's training split.
public struct FewShotRecord: Codable, Sendable, Equatable {
  /// One drawn image.
  public struct Sample: Codable, Sendable, Equatable {
    public var path: String
    public var label: Int
    public var index: Int

    public init(path: String, label: Int, index: Int) {
      self.path = path
      self.label = label
      self.index = index
    }
  }

  /// Names the algorithm that made the draw (`FewShotSampler`'s documentation).
  public static let samplerName = "cliptune fewshot v1"
  /// The usual file name in a run folder.
  public static let fileName = "fewshot_draw.json"

  public var sampler: String
  public var shots: FewShotSampler.Shots
  public var seed: UInt64
  public var withReplacement: Bool
  public var classNames: [String]
  public var samples: [Sample]

  public init(shots: FewShotSampler.Shots, seed: UInt64, withReplacement: Bool, classNames: [String], samples: [Sample]) {
    self.sampler = Self.samplerName
    self.shots = shots
    self.seed = seed
    self.withReplacement = withReplacement
    self.classNames = classNames
    self.samples = samples
  }

  private enum CodingKeys: String, CodingKey {
    case sampler, shots, seed, samples
    case withReplacement = "with_replacement"
    case classNames = "class_names"
  }

  /// Writes the record as JSON (sorted keys, so equal draws give equal bytes) through a temporary
  /// file and a rename. Throws `DatasetError` naming `url` if it cannot be written.
  public func write(to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    do {
      var data = try encoder.encode(self)
      data.append(UInt8(ascii: "\n"))
      try data.write(to: url, options: .atomic)
    } catch {
      throw DatasetError(file: url.path, message: "cannot write the few-shot draw: \(error.localizedDescription)")
    }
  }

  /// Reads a record that `write(to:)` wrote. Throws `DatasetError` naming `url` when it cannot.
  public static func read(from url: URL) throws -> FewShotRecord {
    let data: Data
    do { data = try InputFile.read(url.path, what: "few-shot draw", limit: 1 << 30) } catch let error as InputFileError {
      throw DatasetError(file: url.path, message: "cannot read: \(error.message)")
    }
    do { return try JSONDecoder().decode(FewShotRecord.self, from: data) } catch let error as DecodingError {
      throw DatasetError(file: url.path, message: "not a few-shot draw: \(DecodingErrorText.describe(error))")
    }
  }
}
