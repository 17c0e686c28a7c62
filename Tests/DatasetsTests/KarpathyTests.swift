import Datasets
import Foundation
import Testing

struct KarpathyTests {
  static let flickr = """
    {"dataset": "flickr30k", "images": [
      {"filename": "1.jpg", "imgid": 0, "split": "train", "sentences": [{"raw": "A dog.", "tokens": ["a", "dog"]}, {"raw": "A brown dog."}]},
      {"filename": "2.jpg", "imgid": 1, "split": "test", "sentences": [{"raw": "Two cats."}, {"raw": "Cats, sleeping."}, {"raw": "Fur."}]},
      {"filename": "3.jpg", "imgid": 2, "split": "restval", "sentences": [{"raw": "A bird."}]},
      {"filename": "4.jpg", "imgid": 3, "split": "val", "sentences": [{"raw": "Snow."}]}
    ]}
    """

  func flickrTree() throws -> (TempTree, URL) {
    let tree = TempTree()
    try tree.images(["1.jpg", "2.jpg", "3.jpg", "4.jpg"])
    return (tree, try tree.file("dataset_flickr30k.json", Self.flickr))
  }

  @Test func loadsEveryImageWithoutSplit() throws {
    let (tree, file) = try flickrTree()
    let ds = try RetrievalDataset.load(file)
    #expect(ds.items.map(\.image.lastPathComponent) == ["1.jpg", "2.jpg", "3.jpg", "4.jpg"])
    #expect(ds.items[0].image == tree.root.appendingPathComponent("1.jpg"))
    #expect(ds.items.map(\.split) == ["train", "test", "restval", "val"])
    #expect(ds.texts == ["A dog.", "A brown dog.", "Two cats.", "Cats, sleeping.", "Fur.", "A bird.", "Snow."])
    #expect(ds.textToImage == [0, 0, 1, 1, 1, 2, 3])
  }

  @Test func splitSelection() throws {
    let (_, file) = try flickrTree()
    #expect(try RetrievalDataset.load(file, split: "test").items.map(\.captions) == [["Two cats.", "Cats, sleeping.", "Fur."]])
    #expect(try RetrievalDataset.load(file, split: "train").items.map(\.image.lastPathComponent) == ["1.jpg", "3.jpg"])
    #expect(try RetrievalDataset.load(file, split: "restval").items.map(\.image.lastPathComponent) == ["3.jpg"])
    let test = try RetrievalDataset.load(file, split: "test")
    #expect(test.textToImage == [0, 0, 0])
  }

  @Test func unknownSplitListsThePresentOnes() throws {
    let (_, file) = try flickrTree()
    #expect { _ = try RetrievalDataset.load(file, split: "testing") } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == file.path && e.message == "split 'testing' selects no image (splits in this file: restval, test, train, val)"
    }
  }

  @Test func cocoFilepathResolvesUnderImagesSubfolder() throws {
    let tree = TempTree()
    try tree.images(["images/val2014/COCO_val2014_000000000042.jpg", "images/train2014/COCO_train2014_000000000007.jpg"])
    let file = try tree.file("dataset_coco.json", """
      {"images": [
        {"filepath": "val2014", "filename": "COCO_val2014_000000000042.jpg", "split": "test", "cocoid": 42, "sentences": [{"raw": "A clock."}]},
        {"filepath": "train2014", "filename": "COCO_train2014_000000000007.jpg", "split": "train", "sentences": [{"raw": "A bus."}]}
      ]}
      """)
    let ds = try RetrievalDataset.load(file, split: "test")
    #expect(ds.items == [CaptionedImage(image: tree.root.appendingPathComponent("images/val2014/COCO_val2014_000000000042.jpg"),
                                        captions: ["A clock."], split: "test")])
  }

  @Test func folderOfTheFileWinsOverImagesSubfolder() throws {
    let (tree, file) = try flickrTree()
    try tree.images(["images/1.jpg"])
    #expect(try RetrievalDataset.load(file).items[0].image == tree.root.appendingPathComponent("1.jpg"))
  }

  @Test func explicitImageRoot() throws {
    let data = TempTree(), pictures = TempTree()
    let file = try data.file("d.json", Self.flickr)
    try data.images(["1.jpg", "2.jpg", "3.jpg", "4.jpg"])   // must be ignored: imageRoot replaces the defaults
    try pictures.images(["1.jpg", "2.jpg", "3.jpg", "4.jpg"])
    let ds = try RetrievalDataset.load(file, imageRoot: pictures.root)
    #expect(ds.items.map(\.image) == ["1.jpg", "2.jpg", "3.jpg", "4.jpg"].map { pictures.root.appendingPathComponent($0) })
    #expect(throws: DatasetError.self) { _ = try RetrievalDataset.load(file, imageRoot: TempTree().root) }
  }

  @Test func missingImagesAreCountedAndNamed() throws {
    let tree = TempTree()
    try tree.images(["2.jpg"])
    let file = try tree.file("d.json", Self.flickr)
    #expect { _ = try RetrievalDataset.load(file) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == file.path && e.message.hasPrefix("3 of 4 images not found") && e.message.hasSuffix(": 1.jpg, 3.jpg, 4.jpg")
        && e.message.contains(tree.root.appendingPathComponent("images").path)
    }
    // Only the selected split has to exist.
    #expect(try RetrievalDataset.load(file, split: "test").items.count == 1)
  }

  @Test("malformed Karpathy JSON", arguments: [
    ("{\"images\": [", "not valid JSON"),
    ("[1, 2]", "the top level is not an object"),
    ("{\"dataset\": \"coco\"}", "no top-level 'images'"),
    ("{\"images\": {\"filename\": \"1.jpg\"}}", "images is not an array"),
    ("{\"images\": [{\"split\": \"test\", \"sentences\": []}]}", "images[0].filename is missing"),
    ("{\"images\": [{\"filename\": 7, \"sentences\": []}]}", "images[0].filename is not a string"),
    ("{\"images\": [{\"filename\": \"1.jpg\"}]}", "images[0].sentences is missing"),
    ("{\"images\": [{\"filename\": \"1.jpg\", \"sentences\": [{\"raw\": \"x\"}, {\"raw\": 3}]}]}", "images[0].sentences[1].raw is not a string"),
    ("{\"images\": [{\"filename\": \"1.jpg\", \"split\": [1], \"sentences\": []}]}", "images[0].split is not a string"),
    ("{\"images\": []}", "lists no images"),
    ("", "empty file"),
  ])
  func malformed(json: String, expected: String) throws {
    let tree = TempTree()
    try tree.images(["1.jpg"])
    let file = try tree.file("bad.json", json)
    #expect { _ = try RetrievalDataset.load(file) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == file.path && e.message.contains(expected) && e.description.hasPrefix(file.path)
    }
  }

  @Test func unreadableAndUnsupportedFiles() throws {
    let tree = TempTree()
    #expect { _ = try RetrievalDataset.load(tree.root.appendingPathComponent("nope.json")) } throws: { error in
      (error as? DatasetError)?.message.hasPrefix("cannot read") == true
    }
    let txt = try tree.file("captions.txt", "filepath,caption\n1.jpg,a\n")
    #expect { _ = try RetrievalDataset.load(txt) } throws: { error in
      (error as? DatasetError)?.message == "unsupported file type '.txt' (expected .json, .csv or .tsv)"
    }
  }
}
