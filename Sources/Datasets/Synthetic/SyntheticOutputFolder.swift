import Foundation

/// Checks and prepares the output folder of `SyntheticDataset.write`: it may be missing, empty,
/// or an earlier output of the generator (`dataset.json` marked with `synthetic.generator`,
/// `images/` holding only numbered PNGs, leftover hidden temporary files); anything else is
/// refused so that no one's data is overwritten.
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
    guard let data = try? Data(contentsOf: file),
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
}
