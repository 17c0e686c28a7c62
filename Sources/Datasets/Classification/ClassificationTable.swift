import Foundation
import Tensors

/// Reads `filepath,label[,split]` CSV tables into a `ClassificationDataset`.
enum ClassificationTable {
  /// Largest table read.
  static let maxBytes = 2_000_000_000

  static func load(_ file: URL, classNamesFile: URL?) throws -> ClassificationDataset {
    func fail(_ message: String) -> DatasetError { DatasetError(file: file.path, message: message) }
    let data: Data
    do { data = try InputFile.read(file.path, what: "CSV file", limit: maxBytes) } catch let error as InputFileError {
      throw fail("cannot read: \(error.message)")
    }
    let rows: [DelimitedText.Row]
    do { rows = try DelimitedText.rows([UInt8](data), delimiter: UInt8(ascii: ",")) } catch let problem as FormatProblem {
      throw fail(problem.message)
    }
    guard let header = rows.first else { throw fail("no header row (the file has no text)") }
    let columns = header.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
    let missing = ["filepath", "label"].filter { !columns.contains($0) }
    guard missing.isEmpty else {
      throw fail("header lacks column\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: " and ")) "
                 + "(found \(header.fields.map { "'\($0)'" }.joined(separator: ", ")); expected filepath,label[,split])")
    }
    let pathColumn = columns.firstIndex(of: "filepath")!, labelColumn = columns.firstIndex(of: "label")!
    let splitColumn = columns.firstIndex(of: "split")
    guard rows.count > 1 else { throw fail("no rows after the header") }

    // Paths, label texts and splits, row by row.
    var paths: [String] = [], texts: [String] = [], splitOf: [Int] = [], lines: [Int] = []
    for row in rows.dropFirst() {
      guard row.fields.count == columns.count else {
        throw fail("line \(row.line): \(row.fields.count) fields, but the header has \(columns.count)")
      }
      let label = row.fields[labelColumn].trimmingCharacters(in: .whitespaces)
      guard !label.isEmpty else { throw fail("line \(row.line): empty label") }
      var split = 0
      if let splitColumn {
        let value = row.fields[splitColumn].trimmingCharacters(in: .whitespaces).lowercased()
        guard let s = ClassificationSplits.names.firstIndex(of: value) else {
          throw fail("line \(row.line): split '\(row.fields[splitColumn])' is not train, val or test")
        }
        split = s
      }
      paths.append(row.fields[pathColumn]); texts.append(label); splitOf.append(split); lines.append(row.line)
    }

    let (classNames, labels) = try self.labels(texts, lines: lines, file: file, classNamesFile: classNamesFile)
    let urls: [URL]
    do { urls = try ImageResolver(roots: [file.deletingLastPathComponent()]).resolve(paths, lines: lines) } catch let problem as FormatProblem {
      throw fail(problem.message)
    }
    var parts: [[ClassificationSample]] = [[], [], []]
    for i in urls.indices { parts[splitOf[i]].append(ClassificationSample(image: urls[i], label: labels[i])) }
    let dataset = ClassificationDataset(classNames: classNames, train: parts[0], val: parts[1], test: parts[2],
                                        root: file.deletingLastPathComponent(), format: .csv)
    try dataset.checkEveryClassTrains(file)
    return dataset
  }

  /// Class names and each row's label: integer labels index `classNamesFile` (required); name
  /// labels index the sorted unique names, or `classNamesFile`'s order when given.
  private static func labels(_ texts: [String], lines: [Int], file: URL, classNamesFile: URL?) throws -> ([String], [Int]) {
    func fail(_ message: String) -> DatasetError { DatasetError(file: file.path, message: message) }
    let integers = texts.map { Int($0) }
    if integers[0] != nil {
      if let i = integers.firstIndex(where: { $0 == nil }) {
        throw fail("line \(lines[i]): label '\(texts[i])' is not an integer, but line \(lines[0])'s label '\(texts[0])' is (labels must be all integers or all class names)")
      }
      guard let classNamesFile else {
        throw fail("labels are integers, so the class names must come from a class names file (one name per line, in label order)")
      }
      let names = try ClassNamesFile.read(classNamesFile)
      guard !names.isEmpty else { throw DatasetError(file: classNamesFile.path, message: "lists no class names") }
      let labels = integers.map { $0! }
      if let i = labels.firstIndex(where: { !(0..<names.count).contains($0) }) {
        throw fail("line \(lines[i]): label \(labels[i]) is out of range: \(classNamesFile.lastPathComponent) has \(names.count) class names (labels 0 to \(names.count - 1))")
      }
      let highest = labels.max()!
      guard highest + 1 == names.count else {
        throw DatasetError(file: classNamesFile.path, message: "\(names.count) class names, but \(file.lastPathComponent) uses labels 0 to \(highest) (\(highest + 1) classes)")
      }
      return (names, labels)
    }
    if let i = integers.firstIndex(where: { $0 != nil }) {
      throw fail("line \(lines[i]): label '\(texts[i])' is an integer, but line \(lines[0])'s label '\(texts[0])' is a class name (labels must be all integers or all class names)")
    }
    let names: [String]
    if let classNamesFile {
      names = try ClassNamesFile.read(classNamesFile)
      let known = Set(names)
      if let i = texts.firstIndex(where: { !known.contains($0) }) {
        throw fail("line \(lines[i]): class '\(texts[i])' is not in \(classNamesFile.path)")
      }
    } else {
      names = Set(texts).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }
    let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    return (names, texts.map { index[$0]! })
  }
}
