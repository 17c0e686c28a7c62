import Datasets
import Foundation
import Testing

/// `ClassificationDataset.load` on VTAB-1k task folders.
struct VTABTaskTests {
  /// A task with 3 classes: 6 train800, 3 val200, 9 train800val200 and 3 test images.
  func task(classes: String? = "cat\ndog\r\nbird\n") throws -> TempTree {
    let t = TempTree()
    func lines(_ split: String, _ labels: [Int]) throws -> [String] {
      let rows = labels.enumerated().map { "images/\(split)/\(String(format: "%06d", $0)).jpg \($1)" }
      try t.images(rows.map { String($0.split(separator: " ")[0]) })
      return rows
    }
    let train = try lines("train800", [0, 1, 2, 0, 1, 2]), val = try lines("val200", [2, 1, 0])
    try t.file("train800.txt", train.joined(separator: "\n") + "\n")
    try t.file("val200.txt", val.joined(separator: "\r\n"))
    try t.file("train800val200.txt", (train + val).joined(separator: "\n") + "\n\n")
    try t.file("test.txt", try lines("test", [1, 1, 0]).joined(separator: "\n"))
    if let classes { try t.file("classes.txt", classes) }
    return t
  }

  @Test func defaultPoolIsTrain800WithVal200() throws {
    let t = try task()
    let ds = try ClassificationDataset.load(t.root)
    #expect(ds.format == .vtab1k)
    #expect(ds.classNames == ["cat", "dog", "bird"])
    #expect(ds.train.map(\.label) == [0, 1, 2, 0, 1, 2])
    #expect(ds.val.map(\.label) == [2, 1, 0])
    #expect(ds.test.map(\.label) == [1, 1, 0])
    #expect(ds.relativePath(ds.train[4]) == "images/train800/000004.jpg")
    #expect(ds.train.allSatisfy { FileManager.default.fileExists(atPath: $0.image.path) })
  }

  @Test func train800val200TrainsOnAllAndHasNoVal() throws {
    let t = try task()
    let ds = try ClassificationDataset.load(t.root, trainSplit: "train800val200")
    #expect(ds.train.count == 9 && ds.val.isEmpty && ds.test.count == 3)
    // Without the combined list, train800 + val200 stand in for it.
    try FileManager.default.removeItem(at: t.root.appendingPathComponent("train800val200.txt"))
    let joined = try ClassificationDataset.load(t.root, trainSplit: "train800val200")
    #expect(joined.train == ds.train)
    #expect { _ = try ClassificationDataset.load(t.root, trainSplit: "train1000") } throws: { error in
      (error as? DatasetError)?.message.contains("unknown train split 'train1000'") == true
    }
  }

  @Test func classNamesFileOrClassesTxtIsRequired() throws {
    let t = try task(classes: nil)
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == t.root.path && e.message.contains("classes.txt")
    }
    let names = try t.file("names.txt", "a\nb\nc\n")
    #expect(try ClassificationDataset.load(t.root, classNamesFile: names).classNames == ["a", "b", "c"])
    let four = try t.file("four.txt", "a\nb\nc\nd\n")
    #expect { _ = try ClassificationDataset.load(t.root, classNamesFile: four) } throws: { error in
      (error as? DatasetError)?.description == "\(four.path): 4 class names, but the task's lists use labels 0 to 2 (3 classes)"
    }
  }

  @Test func labelsOutOfRangeNameFileAndLine() throws {
    let t = try task(classes: "cat\ndog\n")
    let list = t.root.appendingPathComponent("train800.txt")
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      (error as? DatasetError)?.description == "\(list.path): line 3: label 2 is out of range: classes.txt has 2 class names (labels 0 to 1)"
    }
  }

  @Test func malformedLinesNameFileAndLine() throws {
    let t = try task()
    let list = try t.file("test.txt", "images/test/000000.jpg 1\nimages/test/000001.jpg one\n")
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      (error as? DatasetError)?.description == "\(list.path): line 2: label 'one' is not an integer"
    }
    try t.file("test.txt", "images/test/000000.jpg\n")
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      (error as? DatasetError)?.message == "line 1: expected '<image path> <label>', got 'images/test/000000.jpg'"
    }
    try t.file("test.txt", "../outside.jpg 0\n")
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      (error as? DatasetError)?.message.hasPrefix("line 1: path '../outside.jpg' leads outside") == true
    }
  }

  @Test func missingImagesAreCountedWithLines() throws {
    let t = try task()
    for i in [1, 2] {
      try FileManager.default.removeItem(at: t.root.appendingPathComponent("images/train800/00000\(i).jpg"))
    }
    let list = t.root.appendingPathComponent("train800.txt")
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == list.path && e.message.hasPrefix("2 of 6 images not found")
        && e.message.hasSuffix("images/train800/000001.jpg (line 2), images/train800/000002.jpg (line 3)")
    }
  }

  @Test func classWithoutTrainingImagesIsNamed() throws {
    let t = try task()
    try t.file("train800.txt", "images/train800/000000.jpg 0\nimages/train800/000001.jpg 1\n")
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      (error as? DatasetError)?.message == "class 'bird' has no training images"
    }
  }
}
