import Foundation
import Tensors

/// Reads VTAB-1k task folders: list files of `relative/path.jpg label` lines beside an `images/`
/// folder, and the class names in `classes.txt`.
enum VTABTask {
  /// Largest list file read (VTAB-1k's biggest `test.txt` is about 3 MB).
  static let maxListBytes = 256 << 20
  /// The training pools `trainSplit` may name.
  static let trainSplits = ["train800", "train800val200"]

  /// Whether `folder` looks like a VTAB-1k task (it holds `train800.txt` or `test.txt`).
  static func isTask(_ folder: URL) -> Bool {
    ["train800.txt", "test.txt"].contains { InputFile.kind(folder.appendingPathComponent($0).path) != nil }
  }

  static func load(_ folder: URL, classNamesFile: URL?, trainSplit: String?) throws -> ClassificationDataset {
    let pool = trainSplit ?? "train800"
    guard trainSplits.contains(pool) else {
      throw DatasetError(file: folder.path, message: "unknown train split '\(pool)' for a VTAB-1k task (expected \(trainSplits.joined(separator: " or ")))")
    }
    let namesFile = classNamesFile ?? folder.appendingPathComponent("classes.txt")
    guard classNamesFile != nil || InputFile.kind(namesFile.path) != nil else {
      throw DatasetError(file: folder.path, message: "no class names: a VTAB-1k task needs classes.txt (one name per line, in label order) in the folder, or a class names file")
    }
    let names = try ClassNamesFile.read(namesFile)
    guard !names.isEmpty else { throw DatasetError(file: namesFile.path, message: "lists no class names") }

    func list(_ name: String) -> URL { folder.appendingPathComponent(name + ".txt") }
    func exists(_ name: String) -> Bool { InputFile.kind(list(name).path) != nil }
    func read(_ name: String) throws -> [ClassificationSample] {
      try samples(list(name), folder: folder, classNames: names, namesFile: namesFile)
    }

    var train: [ClassificationSample], val: [ClassificationSample] = []
    let trainFile: URL
    if pool == "train800val200" && !exists("train800val200") && exists("train800") && exists("val200") {
      train = try read("train800") + read("val200")
      trainFile = list("train800")
    } else {
      train = try read(pool)
      trainFile = list(pool)
      if pool == "train800" && exists("val200") { val = try read("val200") }
    }
    let test = try read("test")

    let highest = (train + val + test).map(\.label).max() ?? -1
    guard highest + 1 == names.count else {
      throw DatasetError(file: namesFile.path, message: "\(names.count) class names, but the task's lists use labels 0 to \(highest) (\(highest + 1) classes)")
    }
    let dataset = ClassificationDataset(classNames: names, train: train, val: val, test: test, root: folder, format: .vtab1k)
    try dataset.checkEveryClassTrains(trainFile)
    return dataset
  }

  /// The samples listed in `file`; throws naming the file and line for a malformed line, a label
  /// outside `0..<classNames.count`, or missing images (how many, and the first few).
  static func samples(_ file: URL, folder: URL, classNames: [String], namesFile: URL) throws -> [ClassificationSample] {
    func fail(_ message: String) -> DatasetError { DatasetError(file: file.path, message: message) }
    let data: Data
    do { data = try InputFile.read(file.path, what: "VTAB-1k list file", limit: maxListBytes) } catch let error as InputFileError {
      throw fail("cannot read: \(error.message)")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }

    var paths: [String] = [], labels: [Int] = [], lines: [Int] = []
    for (i, raw) in TextLines.split(text).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty { continue }
      guard let gap = line.lastIndex(where: { $0 == " " || $0 == "\t" }) else {
        throw fail("line \(i + 1): expected '<image path> <label>', got '\(line)'")
      }
      let path = line[..<gap].trimmingCharacters(in: .whitespaces), field = String(line[line.index(after: gap)...])
      guard let label = Int(field) else { throw fail("line \(i + 1): label '\(field)' is not an integer") }
      guard (0..<classNames.count).contains(label) else {
        throw fail("line \(i + 1): label \(label) is out of range: \(namesFile.lastPathComponent) has \(classNames.count) class names (labels 0 to \(classNames.count - 1))")
      }
      paths.append(path); labels.append(label); lines.append(i + 1)
    }
    guard !paths.isEmpty else { throw fail("lists no images") }
    let urls: [URL]
    do { urls = try ImageResolver(roots: [folder]).resolve(paths, lines: lines) } catch let problem as FormatProblem {
      throw fail(problem.message)
    }
    return zip(urls, labels).map { ClassificationSample(image: $0, label: $1) }
  }
}
