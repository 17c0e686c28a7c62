import Datasets
import Foundation
import Testing

struct COCOCaptionsTests {
  @Test func groupsAnnotationsByImage() throws {
    let tree = TempTree()
    try tree.images(["images/a.jpg", "images/b.jpg", "images/c.jpg"])
    let file = try tree.file("captions_val2014.json", """
      {"info": {}, "images": [{"id": 42, "file_name": "b.jpg", "height": 1}, {"id": 7, "file_name": "a.jpg"}, {"id": 9, "file_name": "c.jpg"}],
       "annotations": [{"id": 1, "image_id": 7, "caption": "first of a"}, {"image_id": 42, "caption": "only b"},
                       {"image_id": 7, "caption": "second of a"}]}
      """)
    let ds = try RetrievalDataset.load(file, split: "test")   // no splits in this format: ignored
    #expect(ds.items.map(\.image.lastPathComponent) == ["b.jpg", "a.jpg", "c.jpg"])
    #expect(ds.items.map(\.captions) == [["only b"], ["first of a", "second of a"], []])
    #expect(ds.items.allSatisfy { $0.split == nil })
    #expect(ds.texts == ["only b", "first of a", "second of a"])
    #expect(ds.textToImage == [0, 1, 1])
  }

  @Test func stringIds() throws {
    let tree = TempTree()
    try tree.images(["x.png"])
    let file = try tree.file("c.json", #"{"images": [{"id": "img-1", "file_name": "x.png"}], "annotations": [{"image_id": "img-1", "caption": "hi"}]}"#)
    #expect(try RetrievalDataset.load(file).items.map(\.captions) == [["hi"]])
  }

  @Test("malformed COCO captions", arguments: [
    (#"{"images": [{"id": 1, "file_name": "x.png"}], "annotations": [{"image_id": 2, "caption": "c"}]}"#, "annotations[0].image_id 2 matches no entry of images"),
    (#"{"images": [{"id": 1, "file_name": "x.png"}, {"id": 1, "file_name": "x.png"}], "annotations": []}"#, "images[1].id 1 appears more than once"),
    (#"{"images": [{"id": 1, "file_name": "x.png"}], "annotations": [{"image_id": 1, "caption": null}]}"#, "annotations[0].caption is null"),
    (#"{"images": [{"id": 1, "file_name": "x.png"}], "annotations": [{"image_id": 1}]}"#, "annotations[0].caption is missing"),
    (#"{"images": [{"id": [1], "file_name": "x.png"}], "annotations": []}"#, "images[0].id is not an integer"),
    (#"{"images": [{"id": 1}], "annotations": []}"#, "images[0].file_name is missing"),
    (#"{"images": [{"id": 1, "file_name": "x.png"}], "annotations": {}}"#, "annotations is not an array"),
  ])
  func malformed(json: String, expected: String) throws {
    let tree = TempTree()
    try tree.images(["x.png"])
    let file = try tree.file("c.json", json)
    #expect { _ = try RetrievalDataset.load(file) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == file.path && e.message.contains(expected)
    }
  }
}
