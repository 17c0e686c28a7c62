import Foundation
import Tensors

/// Checks and prepares the output folder of `SyntheticDataset.write`: it may be missing, empty,
/// or an earlier output of the generator (`dataset.json` marked with `synthetic.generator`,
/// `images/` holding only numbered PNGs, leftover hidden temporary files); anything else is
/// refused so that no one's data is overwritten. `SyntheticClassification.write` has its own,
/// stricter rules (`prepareClassification`).
enum SyntheticOutputFolder {
  static func prepare(_ directory: URL) throws {
    let fm = FileManager.default
    let path = directory.path
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw DatasetError(file: path, message: "exists and is not a folder")
      }
      try checkReusable(directory)
      // Old captions must not describe new images, even if this run stops half-way.
      let old = directory.appendingPathComponent("dataset.json")
      if fm.fileExists(atPath: old.path) {
        do { try fm.removeItem(at: old) } catch {
          throw DatasetError(file: old.path, message: "cannot remove the previous dataset.json: \(error.localizedDescription)")
        }
      }
    }
    do {
      try fm.createDirectory(at: directory.appendingPathComponent("images"), withIntermediateDirectories: true)
    } catch {
      throw DatasetError(file: path, message: "cannot create the output folder: \(error.localizedDescription)")
    }
  }

  /// Deletes numbered images at or past `count` left by an earlier, larger run.
  static func removeStaleImages(in imagesDir: URL, keeping count: Int) throws {
    let fm = FileManager.default
    for name in (try? fm.contentsOfDirectory(atPath: imagesDir.path)) ?? [] {
      guard let n = imageNumber(name), n >= count else { continue }
      let url = imagesDir.appendingPathComponent(name)
      do { try fm.removeItem(at: url) } catch {
        throw DatasetError(file: url.path, message: "cannot remove a stale image: \(error.localizedDescription)")
      }
    }
  }

  private static func checkReusable(_ directory: URL) throws {
    let fm = FileManager.default
    let path = directory.path
    let entries: [String]
    do { entries = try fm.contentsOfDirectory(atPath: path) } catch {
      throw DatasetError(file: path, message: "cannot list the output folder: \(error.localizedDescription)")
    }
    func refuse(_ why: String) -> DatasetError {
      DatasetError(file: path, message: "is not empty and is not a cliptune synth dataset (\(why)); choose a new or empty folder")
    }
    if entries.contains(SyntheticClassification.markerFile), isOurs(directory.appendingPathComponent(SyntheticClassification.markerFile)) {
      throw DatasetError(file: path, message: "holds a cliptune synth classification task (synthetic.json), not a retrieval dataset; choose a new or empty folder")
    }
    for name in entries.sorted() {
      let url = directory.appendingPathComponent(name)
      switch name {
      case "dataset.json":
        guard isOurs(url) else { throw refuse("dataset.json was not written by cliptune synth") }
      case "images":
        let images = (try? fm.contentsOfDirectory(atPath: url.path)) ?? ["?"]
        if let other = images.sorted().first(where: { imageNumber($0) == nil && !$0.hasPrefix(".") }) {
          throw refuse("found images/\(other)")
        }
      default:
        guard name.hasPrefix(".dataset.json") else { throw refuse("found '\(name)'") }
      }
    }
  }

  /// Whether `file` is a dataset.json with `synthetic.generator == "cliptune synth"`.
  private static func isOurs(_ file: URL) -> Bool {
    struct Marker: Decodable {
      struct Synthetic: Decodable { let generator: String }
      let synthetic: Synthetic
    }
    guard let data = try? InputFile.read(file.path, what: "marker file", limit: 2_000_000_000),
          let marker = try? JSONDecoder().decode(Marker.self, from: data) else { return false }
    return marker.synthetic.generator == SyntheticDataset.generatorName
  }

  /// The number in `00042.png`, or nil for any other name.
  static func imageNumber(_ name: String) -> Int? {
    guard name.hasSuffix(".png") else { return nil }
    let stem = name.dropLast(4)
    guard stem.count >= 5, stem.allSatisfy(\.isASCII), stem.allSatisfy(\.isNumber) else { return nil }
    return Int(stem)
  }

  /// Checks and prepares the output folder of `SyntheticClassification.write`. It may be missing,
  /// empty, or an earlier classification output: `synthetic.json` marked with
  /// `synthetic.generator`, `classes.txt`, `train/`, `val/` and `test/` holding class folders of
  /// numbered PNGs only, and hidden temporary files. Anything else — a retrieval output included —
  /// is refused. An accepted folder gets `unfinished` as its marker (so a run that stops half-way
  /// leaves a folder that is still recognisably ours and says it is unfinished), then loses its
  /// split folders and `classes.txt`.
  static func prepareClassification(_ directory: URL, unfinished: Data) throws {
    let fm = FileManager.default
    let path = directory.path
    let marker = directory.appendingPathComponent(SyntheticClassification.markerFile)
    switch InputFile.kind(path) {
    case nil:
      break
    case .directory:
      try checkClassificationReusable(directory)
      do { try unfinished.write(to: marker, options: .atomic) } catch {
        throw DatasetError(file: marker.path, message: "cannot write: \(error.localizedDescription)")
      }
      for name in ClassificationSplits.names + [SyntheticClassification.classesFile] {
        let url = directory.appendingPathComponent(name)
        guard InputFile.kind(url.path) != nil else { continue }
        do { try fm.removeItem(at: url) } catch {
          throw DatasetError(file: url.path, message: "cannot remove the previous output: \(error.localizedDescription)")
        }
      }
      return
    case .regular, .other:
      throw DatasetError(file: path, message: "exists and is not a folder")
    }
    do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
      throw DatasetError(file: path, message: "cannot create the output folder: \(error.localizedDescription)")
    }
    do { try unfinished.write(to: marker, options: .atomic) } catch {
      throw DatasetError(file: marker.path, message: "cannot write: \(error.localizedDescription)")
    }
  }

  private static func checkClassificationReusable(_ directory: URL) throws {
    let fm = FileManager.default
    let path = directory.path
    func list(_ url: URL) throws -> [String] {
      do { return try fm.contentsOfDirectory(atPath: url.path).sorted() } catch {
        throw DatasetError(file: url.path, message: "cannot list: \(error.localizedDescription)")
      }
    }
    func refuse(_ why: String) -> DatasetError {
      DatasetError(file: path, message: "is not empty and is not a cliptune synth classification task (\(why)); choose a new or empty folder")
    }
    let entries = try list(directory)
    guard !entries.isEmpty else { return }
    let marker = SyntheticClassification.markerFile
    guard entries.contains(marker) else {
      if entries.contains("dataset.json") && isOurs(directory.appendingPathComponent("dataset.json")) {
        throw DatasetError(file: path, message: "holds a cliptune synth retrieval dataset (dataset.json), not a classification task; choose a new or empty folder")
      }
      throw refuse("it has no \(marker)")
    }
    for name in entries {
      let url = directory.appendingPathComponent(name)
      switch name {
      case marker:
        guard isOurs(url) else { throw refuse("\(marker) was not written by cliptune synth") }
      case SyntheticClassification.classesFile:
        guard case .regular? = InputFile.kind(url.path) else { throw refuse("\(name) is not a file") }
      case _ where ClassificationSplits.names.contains(name):
        guard InputFile.kind(url.path) == .directory else { throw refuse("\(name) is not a folder") }
        for entry in try list(url) where !entry.hasPrefix(".") {
          let folder = url.appendingPathComponent(entry)
          guard InputFile.kind(folder.path) == .directory else { throw refuse("found \(name)/\(entry)") }
          if let other = try list(folder).first(where: { imageNumber($0) == nil && !$0.hasPrefix(".") }) {
            throw refuse("found \(name)/\(entry)/\(other)")
          }
        }
      default:
        guard name.hasPrefix("." + marker) || name.hasPrefix("." + SyntheticClassification.classesFile) else {
          throw refuse("found '\(name)'")
        }
      }
    }
  }
}
