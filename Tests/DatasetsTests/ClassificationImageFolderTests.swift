import Datasets
import Foundation
import Testing

/// `ClassificationDataset.load` on ImageFolder layouts: split folders, a plain root, stray class
/// folders, class names, empty classes.
struct ClassificationImageFolderTests {
  func relative(_ samples: [ClassificationSample], _ t: TempTree) -> [String] {
    samples.map { $0.image.path.replacingOccurrences(of: t.root.path + "/", with: "") }
  }

  func splitTree() throws -> TempTree {
    let t = TempTree()
    try t.images(["train/sea_lion/a.jpg", "train/sea_lion/b.png", "train/Zebra/z.JPEG", "train/apple/1.jpg",
                  "train/.cache/x.jpg", "val/apple/v.jpg", "test/Zebra/t1.jpg", "test/sea_lion/t2.jpg",
                  "test/sea_lion/notes.txt"])
    try t.file("classes.txt", "not read unless asked for")
    return t
  }

  @Test func splitFoldersShareTrainsClasses() throws {
    let t = try splitTree()
    let ds = try ClassificationDataset.load(t.root)
    #expect(ds.format == .imageFolder)
    #expect(ds.classNames == ["Zebra", "apple", "sea lion"])
    #expect(relative(ds.train, t) == ["train/Zebra/z.JPEG", "train/apple/1.jpg", "train/sea_lion/a.jpg", "train/sea_lion/b.png"])
    #expect(ds.train.map(\.label) == [0, 1, 2, 2])
    #expect(relative(ds.val, t) == ["val/apple/v.jpg"] && ds.val.map(\.label) == [1])
    #expect(relative(ds.test, t) == ["test/Zebra/t1.jpg", "test/sea_lion/t2.jpg"] && ds.test.map(\.label) == [0, 2])
    #expect(ds.relativePath(ds.test[1]) == "test/sea_lion/t2.jpg")
  }

  @Test func plainRootIsTrainOnly() throws {
    let t = TempTree()
    try t.images(["dog/1.jpg", "cat/2.png", "cat/3.png"])
    let ds = try ClassificationDataset.load(t.root)
    #expect(ds.classNames == ["cat", "dog"])
    #expect(ds.train.map(\.label) == [0, 0, 1])
    #expect(ds.val.isEmpty && ds.test.isEmpty)
  }

  @Test func classNamesFromFile() throws {
    let t = try splitTree()
    let names = try t.file("names.txt", "zebra\r\nred apple\nsea lion\n")
    let ds = try ClassificationDataset.load(t.root, classNamesFile: names)
    #expect(ds.classNames == ["zebra", "red apple", "sea lion"])
    let wrong = try t.file("wrong.txt", "zebra\napple\n")
    #expect { _ = try ClassificationDataset.load(t.root, classNamesFile: wrong) } throws: { error in
      (error as? DatasetError)?.description == "\(wrong.path): 2 class names, but \(t.root.path)/train has 3 class folders"
    }
  }

  @Test func strayClassFolderInTestIsAnError() throws {
    let t = try splitTree()
    try t.images(["test/unicorn/u.jpg"])
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == t.root.appendingPathComponent("test/unicorn").path && e.message.contains("'unicorn'")
        && e.message.contains("not among the classes")
    }
  }

  @Test func emptyTrainingClassIsNamed() throws {
    let t = try splitTree()
    _ = try t.folder("train/empty_class")
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      (error as? DatasetError)?.message == "class folder without .jpg/.jpeg/.png images: empty_class"
    }
  }

  @Test func foldersBesideTheSplitsAreRefused() throws {
    let t = try splitTree()
    try t.images(["horse/h.jpg"])
    #expect { _ = try ClassificationDataset.load(t.root) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == t.root.path && e.message.contains("'horse'")
    }
  }

  @Test func trainSplitOtherThanTrainIsRefused() throws {
    let t = try splitTree()
    #expect((try ClassificationDataset.load(t.root, trainSplit: "train")).train.count == 4)
    #expect { _ = try ClassificationDataset.load(t.root, trainSplit: "train800val200") } throws: { error in
      (error as? DatasetError)?.message.contains("applies only to VTAB-1k") == true
    }
  }
}
