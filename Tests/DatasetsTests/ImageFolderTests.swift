import Datasets
import Foundation
import Testing

struct ImageFolderTests {
  func tree() throws -> TempTree {
    let t = TempTree()
    try t.images([
      "sea_lion/b.PNG", "sea_lion/a.jpg", "sea_lion/notes.txt",
      "Zebra/z.JPEG",
      "apple/2.jpg", "apple/10.jpg", "apple/.hidden.jpg",
      ".cache/x.jpg",
    ])
    try t.file("README.md", "not a class")
    return t
  }

  @Test func classesAndSamplesAreSorted() throws {
    let t = try tree()
    let ds = try ImageFolderDataset(root: t.root)
    // Code-point order: uppercase before lowercase, like Python's sorted().
    #expect(ds.classNames == ["Zebra", "apple", "sea lion"])
    #expect(ds.samples.map(\.label) == [0, 1, 1, 2, 2])
    #expect(ds.samples.map { $0.image.path.replacingOccurrences(of: t.root.path + "/", with: "") }
              == ["Zebra/z.JPEG", "apple/10.jpg", "apple/2.jpg", "sea_lion/a.jpg", "sea_lion/b.PNG"])
  }

  @Test func classNamesFromFile() throws {
    let t = try tree()
    let names = try t.file("names.txt", "zebra\r\nred apple\n\nsea lion\n")
    let ds = try ImageFolderDataset(root: t.root, classNamesFile: names)
    #expect(ds.classNames == ["zebra", "red apple", "sea lion"])
    #expect(ds.samples.count == 5)
  }

  @Test func classNameCountMustMatch() throws {
    let t = try tree()
    let names = try t.file("names.txt", "zebra\napple\n")
    #expect { _ = try ImageFolderDataset(root: t.root, classNamesFile: names) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == names.path && e.message == "2 class names, but \(t.root.path) has 3 class folders"
    }
    #expect { _ = try ImageFolderDataset(root: t.root, classNamesFile: t.root.appendingPathComponent("none.txt")) } throws: { error in
      (error as? DatasetError)?.message.hasPrefix("cannot read class names") == true
    }
  }

  @Test func emptyRootIsAnError() throws {
    let t = TempTree()
    try t.file("loose.jpg")
    #expect { _ = try ImageFolderDataset(root: t.root) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == t.root.path && e.message.hasPrefix("no class folders")
    }
  }

  @Test func missingRootIsAnError() throws {
    let root = TempTree().root.appendingPathComponent("absent")
    #expect { _ = try ImageFolderDataset(root: root) } throws: { error in
      (error as? DatasetError)?.description == "\(root.path): not a folder (or does not exist)"
    }
  }

  @Test func classFolderWithoutImagesIsAnError() throws {
    let t = try tree()
    _ = try t.folder("empty_class")
    try t.file("text_only/readme.txt", "x")
    #expect { _ = try ImageFolderDataset(root: t.root) } throws: { error in
      (error as? DatasetError)?.message == "class folders without .jpg/.jpeg/.png images: empty_class, text_only"
    }
  }
}
