import Datasets
import Foundation
import Testing

struct CaptionTableTests {
  @Test func csvWithQuotingAndRepeatedImages() throws {
    let tree = TempTree()
    try tree.images(["images/a.jpg", "images/b b.jpg", "images/c.jpg"])
    let csv = "\u{FEFF}id,FilePath ,caption\r\n"
      + "1,a.jpg,plain caption\r\n"
      + "2,\"b b.jpg\",\"with, a comma\"\r\n"
      + "3,a.jpg,\"she said \"\"hi\"\"\"\n"
      + "\n"
      + "4,c.jpg,\"two\nlines\"\n"
      + "5,b b.jpg,unquoted \"inner\" quotes\n"
      + "6,c.jpg,\"\"\n"
    let file = try tree.file("train.csv", csv)
    let ds = try RetrievalDataset.load(file)
    #expect(ds.items.map(\.image.lastPathComponent) == ["a.jpg", "b b.jpg", "c.jpg"])
    #expect(ds.items.map(\.captions) == [
      ["plain caption", "she said \"hi\""],
      ["with, a comma", "unquoted \"inner\" quotes"],
      ["two\nlines", ""],
    ])
    #expect(ds.textToImage == [0, 0, 1, 1, 2, 2])
    #expect(ds.items.allSatisfy { $0.split == nil })
  }

  @Test func tsvUsesTabs() throws {
    let tree = TempTree()
    try tree.images(["x.jpg", "y.jpg"])
    let file = try tree.file("data.tsv", "caption\tfilepath\nA, B and C\tx.jpg\n\"tab\there\"\ty.jpg\nmore\tx.jpg")
    let ds = try RetrievalDataset.load(file)
    #expect(ds.items.map(\.captions) == [["A, B and C", "more"], ["tab\there"]])
  }

  @Test func absolutePathsAreKept() throws {
    let tree = TempTree(), elsewhere = TempTree()
    try elsewhere.images(["p.png"])
    let path = elsewhere.root.appendingPathComponent("p.png").path
    let file = try tree.file("abs.csv", "filepath,caption\n\(path),x\n")
    #expect(try RetrievalDataset.load(file).items[0].image.path == path)
  }

  @Test("malformed tables", arguments: [
    ("t.csv", "file,text\na.jpg,x\n", "header lacks columns 'filepath' and 'caption' (found 'file', 'text', separated by ',')"),
    ("t.csv", "filepath\tcaption\na.jpg\tx\n", "header lacks columns 'filepath' and 'caption'"),
    ("t.tsv", "filepath,caption\na.jpg,x\n", "separated by tab"),
    ("t.csv", "filepath,caption\n", "no rows after the header"),
    ("t.csv", "\n\n", "no header row"),
    ("t.csv", "", "empty file"),
    ("t.csv", "filepath,caption\na.jpg,x\na.jpg\n", "line 3: 1 fields, but the header has 2"),
    ("t.csv", "filepath,caption\na.jpg,x,y\n", "line 2: 3 fields, but the header has 2"),
    ("t.csv", "filepath,caption\na.jpg,\"never closed\n", "line 2: quoted field is never closed"),
    ("t.csv", "filepath,caption\na.jpg,\"closed\"junk\n", "line 2: unexpected character after a closing quote"),
    ("t.csv", "filepath,caption\n,x\n", "line 2: empty filepath"),
  ])
  func malformed(name: String, text: String, expected: String) throws {
    let tree = TempTree()
    try tree.images(["a.jpg"])
    let file = try tree.file(name, text)
    #expect { _ = try RetrievalDataset.load(file) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == file.path && e.message.contains(expected)
    }
  }

  @Test func lineNumbersCountLinesInsideQuotes() throws {
    let tree = TempTree()
    try tree.images(["a.jpg"])
    let file = try tree.file("t.csv", "filepath,caption\na.jpg,\"multi\nline\"\na.jpg,x,extra\n")
    #expect { _ = try RetrievalDataset.load(file) } throws: { error in
      (error as? DatasetError)?.message.hasPrefix("line 4:") == true
    }
  }

  @Test func missingImageInTable() throws {
    let tree = TempTree()
    try tree.images(["a.jpg"])
    let rows = (0..<8).map { "missing\($0).jpg,c" }.joined(separator: "\n")
    let file = try tree.file("t.csv", "filepath,caption\na.jpg,ok\n\(rows)\n")
    #expect { _ = try RetrievalDataset.load(file) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.message.hasPrefix("8 of 9 images not found")
        && e.message.hasSuffix("missing0.jpg, missing1.jpg, missing2.jpg, missing3.jpg, missing4.jpg, …")
    }
  }
}
