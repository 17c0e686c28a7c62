import Datasets
import Foundation
import Testing

/// `ClassificationDataset.load` on `filepath,label[,split]` CSV tables.
struct ClassificationCSVTests {
  func tree() throws -> TempTree {
    let t = TempTree()
    try t.images(["img/a.jpg", "img/b.jpg", "img/c.jpg", "img/d.jpg", "img/e.jpg"])
    return t
  }

  @Test func nameLabelsWithSplits() throws {
    let t = try tree()
    let csv = try t.file("data.csv", """
      FilePath,label,split,notes\r
      img/a.jpg,dog,train,x\r
      img/b.jpg,cat,train,"y, z"\r
      img/c.jpg,dog,val,\r
      img/d.jpg,cat,TEST,\r
      img/e.jpg,cat,train,\r
      """)
    let ds = try ClassificationDataset.load(csv)
    #expect(ds.format == .csv)
    #expect(ds.classNames == ["cat", "dog"])
    #expect(ds.train.map(\.label) == [1, 0, 0] && ds.val.map(\.label) == [1] && ds.test.map(\.label) == [0])
    #expect(ds.train.map { ds.relativePath($0) } == ["img/a.jpg", "img/b.jpg", "img/e.jpg"])
  }

  @Test func integerLabelsNeedClassNames() throws {
    let t = try tree()
    let csv = try t.file("data.csv", "filepath,label\nimg/a.jpg,1\nimg/b.jpg,0\n")
    #expect { _ = try ClassificationDataset.load(csv) } throws: { error in
      (error as? DatasetError)?.message.hasPrefix("labels are integers, so the class names must come from a class names file") == true
    }
    let names = try t.file("names.txt", "cat\ndog\n")
    let ds = try ClassificationDataset.load(csv, classNamesFile: names)
    #expect(ds.classNames == ["cat", "dog"] && ds.train.map(\.label) == [1, 0] && ds.val.isEmpty && ds.test.isEmpty)
    let three = try t.file("three.txt", "cat\ndog\nbird\n")
    #expect { _ = try ClassificationDataset.load(csv, classNamesFile: three) } throws: { error in
      (error as? DatasetError)?.description == "\(three.path): 3 class names, but data.csv uses labels 0 to 1 (2 classes)"
    }
    let one = try t.file("one.txt", "cat\n")
    #expect { _ = try ClassificationDataset.load(csv, classNamesFile: one) } throws: { error in
      (error as? DatasetError)?.description == "\(csv.path): line 2: label 1 is out of range: one.txt has 1 class names (labels 0 to 0)"
    }
  }

  @Test func nameLabelsFollowAGivenNamesFile() throws {
    let t = try tree()
    let csv = try t.file("data.csv", "filepath,label\nimg/a.jpg,cat\nimg/b.jpg,dog\n")
    let names = try t.file("names.txt", "dog\ncat\n")
    #expect(try ClassificationDataset.load(csv, classNamesFile: names).train.map(\.label) == [1, 0])
    let other = try t.file("other.txt", "dog\nbird\n")
    #expect { _ = try ClassificationDataset.load(csv, classNamesFile: other) } throws: { error in
      (error as? DatasetError)?.message == "line 2: class 'cat' is not in \(other.path)"
    }
  }

  @Test func badRowsNameTheLine() throws {
    let t = try tree()
    let cases: [(String, String)] = [
      ("filepath,label\nimg/a.jpg,1\nimg/b.jpg,cat\n", "line 3: label 'cat' is not an integer, but line 2's label '1' is"),
      ("filepath,label\nimg/a.jpg,cat\nimg/b.jpg,3\n", "line 3: label '3' is an integer, but line 2's label 'cat' is a class name"),
      ("filepath,label,split\nimg/a.jpg,cat,training\n", "line 2: split 'training' is not train, val or test"),
      ("filepath,label\nimg/a.jpg,cat,extra\n", "line 2: 3 fields, but the header has 2"),
      ("filepath,label\nimg/a.jpg,\n", "line 2: empty label"),
      ("path,label\nimg/a.jpg,cat\n", "header lacks column 'filepath'"),
      ("filepath,label\n", "no rows after the header"),
      ("filepath,label\nimg/zz.jpg,cat\n", "1 of 1 images not found"),
      ("filepath,label,split\nimg/a.jpg,cat,train\nimg/b.jpg,dog,test\n", "class 'dog' has no training images"),
    ]
    for (text, message) in cases {
      let csv = try t.file("bad.csv", text)
      #expect { _ = try ClassificationDataset.load(csv) } throws: { error in
        guard let e = error as? DatasetError else { return false }
        return e.file == csv.path && e.message.hasPrefix(message)
      }
    }
  }
}
