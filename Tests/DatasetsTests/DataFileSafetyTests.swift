import Datasets
import Foundation
import Testing

/// Line splitting and the checks on caption files that keep bad data from crashing or escaping.
struct DataFileSafetyTests {
  @Test func textLinesSplitEveryLineEnd() {
    #expect(TextLines.split("a\r\nb\r\n") == ["a", "b"])
    #expect(TextLines.split("a\nb") == ["a", "b"])
    #expect(TextLines.split("a\rb\r") == ["a", "b"])
    #expect(TextLines.split("\u{FEFF}first\r\n\r\nthird") == ["first", "", "third"])
    #expect(TextLines.split("") == [])
    #expect(TextLines.split("\n") == [""])
    #expect(TextLines.split("é\r\nñ") == ["é", "ñ"])
  }

  @Test func relativePathsMustStayBelowTheImageFolder() throws {
    let tree = TempTree()
    try tree.images(["data/images/a.jpg", "secret.jpg"])
    let json = try tree.file("data/k.json", #"{"images": [{"filename": "../secret.jpg", "sentences": [{"raw": "x"}]}]}"#)
    #expect { _ = try RetrievalDataset.load(json) } throws: { error in
      let text = "\(error)"
      return error is DatasetError && text.contains("k.json") && text.contains("image 0") && text.contains("outside the image folder")
    }
    // Going down and up again inside the folder is fine.
    let ok = try tree.file("data/ok.json", #"{"images": [{"filename": "images/../images/a.jpg", "sentences": [{"raw": "x"}]}]}"#)
    #expect(try RetrievalDataset.load(ok).items.count == 1)
    let empty = try tree.file("data/e.json", #"{"images": [{"filename": "", "sentences": []}]}"#)
    #expect { _ = try RetrievalDataset.load(empty) } throws: { "\($0)".contains("empty image path") }
  }

  @Test func captionlessDatasetsAreNamed() throws {
    let tree = TempTree()
    try tree.images(["a.jpg", "b.jpg"])
    let json = try tree.file("k.json", #"{"images": [{"filename": "a.jpg", "split": "test", "sentences": []}, {"filename": "b.jpg", "split": "test", "sentences": []}]}"#)
    let ds = try RetrievalDataset.load(json, split: "test")
    #expect { try ds.checkHasCaptions(file: json, split: "test") } throws: { "\($0)".hasSuffix("k.json: split test has 2 images but no captions") }
    let csv = try tree.file("t.csv", "filepath,caption\na.jpg,x\n")
    try RetrievalDataset.load(csv).checkHasCaptions(file: csv, split: nil)
  }

  @Test func quotedFieldsKeepLineBreaksInCRLFFiles() throws {
    let tree = TempTree()
    try tree.images(["a.jpg", "b.jpg"])
    let csv = try tree.file("t.csv", "\u{FEFF}filepath,caption\r\na.jpg,\"two\r\nlines\"\r\nb.jpg,plain\r\n")
    let ds = try RetrievalDataset.load(csv)
    #expect(ds.items.map(\.captions) == [["two\r\nlines"], ["plain"]])
  }

  @Test func aFolderOrFifoAsCaptionFileIsRefused() throws {
    let tree = TempTree()
    let folder = try tree.folder("x.json")
    #expect { _ = try RetrievalDataset.load(folder) } throws: { "\($0)".contains("is a folder") }
    let fifo = tree.root.appendingPathComponent("f.json")
    #expect(mkfifo(fifo.path, 0o644) == 0)
    #expect { _ = try RetrievalDataset.load(fifo) } throws: { "\($0)".contains("FIFO") }
  }
}
