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
  /// The class folder names, indexed by label.
  var classFolders: [String]

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
    let classes = try Self.scan(root)
    guard !classes.isEmpty else { throw fail("no class folders (expected one subfolder per class)") }
    let empty = classes.filter { $0.images.isEmpty }.map(\.folder)
    guard empty.isEmpty else {
      throw fail("class folder\(empty.count > 1 ? "s" : "") without .jpg/.jpeg/.png images: \(empty.prefix(5).joined(separator: ", "))\(empty.count > 5 ? ", …" : "")")
    }

    if let classNamesFile {
      let names = try ClassNamesFile.read(classNamesFile)
      guard names.count == classes.count else {
        throw fail("\(names.count) class names, but \(root.path) has \(classes.count) class folders", classNamesFile)
      }
      classNames = names
    } else {
      classNames = classes.map { $0.folder.replacingOccurrences(of: "_", with: " ") }
    }
    classFolders = classes.map(\.folder)
    samples = classes.enumerated().flatMap { label, c in c.images.map { (image: $0, label: label) } }
  }

  /// The class folders of `root` (non-hidden subfolders, code-point order) with their images
  /// (files directly inside ending in .jpg/.jpeg/.png, any case, sorted by name; possibly none).
  /// Throws `DatasetError` if `root` or a class folder is missing or cannot be listed.
  static func scan(_ root: URL) throws -> [(folder: String, images: [URL])] {
    let folders = try entries(of: root, fail: { DatasetError(file: root.path, message: $0) }).filter { isDirectory($0) }
    return try folders.map { folder in
      let images = try entries(of: folder, fail: { DatasetError(file: folder.path, message: $0) }).filter {
        imageExtensions.contains($0.pathExtension.lowercased()) && !isDirectory($0)
      }
      return (folder.lastPathComponent, images)
    }
  }

  /// Non-hidden entries of `folder`, sorted by name in code-point order.
  static func entries(of folder: URL, fail: (String) -> DatasetError) throws -> [URL] {
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

  static func isDirectory(_ url: URL) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
  }
}
