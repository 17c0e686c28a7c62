import Foundation
import Tensors

/// A classification dataset laid out as one folder per class (torchvision `ImageFolder` style):
/// `root/<class>/<image>.jpg`.
public struct ImageFolderDataset: Sendable {
  /// Extensions (lowercased) counted as images.
  public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

  /// Class names, indexed by label.
  public var classNames: [String]
  /// Every image with its label, class by class.
  public var samples: [(image: URL, label: Int)]

  /// Scans `root`. Classes are its subfolders sorted by name (code-point order, like Python's
  /// `sorted`; hidden folders skipped); label `i` is the `i`-th folder. A class is named after its
  /// folder with `_` replaced by a space, unless `classNamesFile` is given: one name per line, in
  /// the order of the sorted folders (blank lines ignored; the count must match).
  ///
  /// Images are the files directly in each class folder ending in .jpg/.jpeg/.png (any case),
  /// sorted by name. Throws `DatasetError` if `root` is missing or has no class folders, a class
  /// folder has no images, or the names file does not match.
  public init(root: URL, classNamesFile: URL? = nil) throws {
    func fail(_ message: String, _ file: URL = root) -> DatasetError { DatasetError(file: file.path, message: message) }
    let folders = try Self.entries(of: root, fail: { fail($0) }).filter { Self.isDirectory($0) }
    guard !folders.isEmpty else { throw fail("no class folders (expected one subfolder per class)") }

    var samples: [(image: URL, label: Int)] = []
    var empty: [String] = []
    for (label, folder) in folders.enumerated() {
      let images = try Self.entries(of: folder, fail: { fail($0, folder) }).filter {
        Self.imageExtensions.contains($0.pathExtension.lowercased()) && !Self.isDirectory($0)
      }
      if images.isEmpty { empty.append(folder.lastPathComponent) }
      samples += images.map { ($0, label) }
    }
    guard empty.isEmpty else {
      throw fail("class folder\(empty.count > 1 ? "s" : "") without .jpg/.jpeg/.png images: \(empty.prefix(5).joined(separator: ", "))\(empty.count > 5 ? ", …" : "")")
    }

    if let classNamesFile {
      let data: Data
      do { data = try InputFile.read(classNamesFile.path, what: "class names file", limit: 64 << 20) } catch let error as InputFileError {
        throw fail("cannot read class names: \(error.message)", classNamesFile)
      }
      guard let text = String(data: data, encoding: .utf8) else { throw fail("cannot read class names: not UTF-8 text", classNamesFile) }
      let names = TextLines.split(text)
        .map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty }
      guard names.count == folders.count else {
        throw fail("\(names.count) class names, but \(root.path) has \(folders.count) class folders", classNamesFile)
      }
      classNames = names
    } else {
      classNames = folders.map { $0.lastPathComponent.replacingOccurrences(of: "_", with: " ") }
    }
    self.samples = samples
  }

  /// Non-hidden entries of `folder`, sorted by name in code-point order.
  private static func entries(of folder: URL, fail: (String) -> DatasetError) throws -> [URL] {
    guard isDirectory(folder) else { throw fail("not a folder (or does not exist)") }
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    } catch {
      throw fail("cannot list: \(error.localizedDescription)")
    }
    return names.filter { !$0.hasPrefix(".") }
      .sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
      .map { folder.appendingPathComponent($0) }
  }

  private static func isDirectory(_ url: URL) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
  }
}
