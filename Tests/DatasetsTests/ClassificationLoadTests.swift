import Datasets
import Foundation
import Testing

/// Format detection by `ClassificationDataset.load`.
struct ClassificationLoadTests {
  @Test func detectsEachFormat() throws {
    let t = TempTree()
    try t.images(["folder/cat/1.jpg", "vtab/images/a.jpg", "table/a.jpg"])
    try t.file("vtab/test.txt", "images/a.jpg 0\n")
    try t.file("vtab/train800.txt", "images/a.jpg 0\n")
    try t.file("vtab/classes.txt", "cat\n")
    let csv = try t.file("table/data.CSV", "filepath,label\na.jpg,cat\n")
    #expect(try ClassificationDataset.load(t.root.appendingPathComponent("folder")).format == .imageFolder)
    #expect(try ClassificationDataset.load(t.root.appendingPathComponent("vtab")).format == .vtab1k)
    #expect(try ClassificationDataset.load(csv).format == .csv)
  }

  @Test func anythingElseListsTheFormats() throws {
    let t = TempTree()
    let json = try t.file("data.json", "{}")
    #expect { _ = try ClassificationDataset.load(json) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == json.path && e.message.contains("ImageFolder") && e.message.contains("VTAB-1k") && e.message.contains(".csv")
    }
    let absent = t.root.appendingPathComponent("absent")
    #expect { _ = try ClassificationDataset.load(absent) } throws: { error in
      (error as? DatasetError)?.description == "\(absent.path): no such file or folder"
    }
  }
}
