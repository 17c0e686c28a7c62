import Foundation
import Tensors

/// Labelled images for classification: class names and three splits. `train` is the pool that
/// few-shot draws come from; `val` and `test` may be empty.
public struct ClassificationDataset: Sendable, Equatable {
  /// Class names, indexed by label.
  public var classNames: [String]
  public var train: [ClassificationSample]
  public var val: [ClassificationSample]
  public var test: [ClassificationSample]
  /// The folder that relative sample paths are reported against (the ImageFolder root, the VTAB
  /// task folder, or the CSV file's folder).
  public var root: URL
  /// The layout it was read from.
  public var format: ClassificationFormat

  public init(classNames: [String], train: [ClassificationSample], val: [ClassificationSample] = [],
              test: [ClassificationSample] = [], root: URL, format: ClassificationFormat) {
    self.classNames = classNames
    self.train = train
    self.val = val
    self.test = test
    self.root = root
    self.format = format
  }

  /// Loads a dataset, choosing the format from what `url` is:
  ///
  /// - a folder holding `train800.txt` or `test.txt`: a VTAB-1k task (`loadVTAB`);
  /// - any other folder: an ImageFolder, with or without `train/` `val/` `test/` (`loadImageFolder`);
  /// - a `.csv` file: a `filepath,label[,split]` table (`loadCSV`).
  ///
  /// `classNamesFile` (one name per line, in label order) replaces the format's own names.
  /// `trainSplit` picks the training pool of a VTAB-1k task (`train800`, the default, or
  /// `train800val200`); the other formats accept only nil or `train`.
  /// Throws `DatasetError` naming the file and the problem for anything malformed.
  public static func load(_ url: URL, classNamesFile: URL? = nil, trainSplit: String? = nil) throws -> ClassificationDataset {
    switch InputFile.kind(url.path) {
    case nil:
      throw DatasetError(file: url.path, message: "no such file or folder")
    case .directory:
      if VTABTask.isTask(url) { return try loadVTAB(url, classNamesFile: classNamesFile, trainSplit: trainSplit) }
      try checkPlainTrainSplit(trainSplit, url, "ImageFolder")
      return try loadImageFolder(url, classNamesFile: classNamesFile)
    case .regular where url.pathExtension.lowercased() == "csv":
      try checkPlainTrainSplit(trainSplit, url, "CSV")
      return try loadCSV(url, classNamesFile: classNamesFile)
    case .regular, .other:
      throw DatasetError(file: url.path, message: "not a classification dataset: expected an ImageFolder folder "
                         + "(<class>/<image> or train|val|test/<class>/<image>), a VTAB-1k task folder "
                         + "(train800.txt, val200.txt, train800val200.txt, test.txt) or a .csv file (filepath,label[,split])")
    }
  }

  /// An ImageFolder: `root/train/<class>/…` (with optional `val/` and `test/` beside it, whose
  /// class folders must be among train's), or, without a `train/` folder, `root/<class>/…` as
  /// the training split alone. Classes are train's folders in code-point order (hidden ones
  /// skipped), named after the folder with `_` as a space unless `classNamesFile` gives the names.
  public static func loadImageFolder(_ root: URL, classNamesFile: URL? = nil) throws -> ClassificationDataset {
    try ClassificationImageFolder.load(root, classNamesFile: classNamesFile)
  }

  /// A VTAB-1k task folder. Each list file has lines `images/train800/000000.jpg 12` (a path
  /// relative to the folder, a space, an integer label). The pool is `train800.txt` with
  /// `val200.txt` as validation, or with `trainSplit: "train800val200"` all 1000 images
  /// (`train800val200.txt`, or `train800.txt` + `val200.txt` when it is absent) and no validation;
  /// `test.txt` is the test split. Class names come from `classNamesFile`, else the folder's
  /// `classes.txt`; labels must lie in `0..<classes`. Every listed image must exist.
  public static func loadVTAB(_ folder: URL, classNamesFile: URL? = nil, trainSplit: String? = nil) throws -> ClassificationDataset {
    try VTABTask.load(folder, classNamesFile: classNamesFile, trainSplit: trainSplit)
  }

  /// A CSV table with header `filepath,label[,split]` (names matched case-insensitively; other
  /// columns ignored; RFC 4180 quoting). Labels are either all integers (names then come from
  /// `classNamesFile`, required) or all class names (classes: the sorted unique names, or the
  /// order of `classNamesFile` when given). `split` is `train`, `val` or `test`; without the
  /// column every row is training. Relative paths are relative to the CSV's folder.
  public static func loadCSV(_ file: URL, classNamesFile: URL? = nil) throws -> ClassificationDataset {
    try ClassificationTable.load(file, classNamesFile: classNamesFile)
  }

  /// `sample`'s image path relative to `root` (`train/cat/001.jpg`), or its absolute path when it
  /// lies outside `root`.
  public func relativePath(_ sample: ClassificationSample) -> String {
    let base = root.standardizedFileURL.path, path = sample.image.standardizedFileURL.path
    let prefix = base.hasSuffix("/") ? base : base + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
  }

  /// Throws, naming `file` and the classes, unless every class has a training image.
  func checkEveryClassTrains(_ file: URL) throws {
    var counts = [Int](repeating: 0, count: classNames.count)
    for s in train { counts[s.label] += 1 }
    let empty = counts.indices.filter { counts[$0] == 0 }.map { "'\(classNames[$0])'" }
    guard empty.isEmpty else {
      throw DatasetError(file: file.path, message: "class\(empty.count > 1 ? "es" : "") \(empty.prefix(5).joined(separator: ", "))"
                         + "\(empty.count > 5 ? ", …" : "") \(empty.count > 1 ? "have" : "has") no training images")
    }
  }

  private static func checkPlainTrainSplit(_ trainSplit: String?, _ url: URL, _ format: String) throws {
    guard let trainSplit, trainSplit != "train" else { return }
    throw DatasetError(file: url.path, message: "train split '\(trainSplit)' applies only to VTAB-1k task folders (train800 or train800val200); a\(format == "ImageFolder" ? "n" : "") \(format) dataset trains on 'train'")
  }
}
