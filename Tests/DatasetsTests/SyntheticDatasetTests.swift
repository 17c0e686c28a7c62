import Datasets
import Foundation
import Preprocessing
import TestSupport
import Testing

/// `SyntheticDataset.write`: determinism, Karpathy layout readable by `RetrievalDataset.load`,
/// splits, captions, and the vocabulary difference between the two domains.
struct SyntheticDatasetTests {
  static func options(_ domain: SyntheticDomain = .base, seed: UInt64 = 0, count: Int = 30) -> SyntheticDatasetOptions {
    SyntheticDatasetOptions(imageCount: count, seed: seed, domain: domain, imageSize: 64)
  }

  static func make(_ options: SyntheticDatasetOptions) throws -> URL {
    let dir = Fixtures.temporaryDirectory("synth").appendingPathComponent("out")
    try SyntheticDataset.write(to: dir, options: options)
    return dir
  }

  /// Every file's relative path and bytes.
  static func contents(_ dir: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    out["dataset.json"] = try Data(contentsOf: dir.appendingPathComponent("dataset.json"))
    let images = dir.appendingPathComponent("images")
    for name in try FileManager.default.contentsOfDirectory(atPath: images.path) {
      out["images/" + name] = try Data(contentsOf: images.appendingPathComponent(name))
    }
    return out
  }

  static func captions(_ dir: URL) throws -> [[String]] {
    try RetrievalDataset.load(dir.appendingPathComponent("dataset.json")).items.map(\.captions)
  }

  @Test func sameSeedGivesIdenticalBytes() throws {
    for domain in SyntheticDomain.allCases {
      let a = try Self.contents(Self.make(Self.options(domain, seed: 3)))
      let b = try Self.contents(Self.make(Self.options(domain, seed: 3)))
      #expect(a.count == 31)
      #expect(a == b)
    }
  }

  @Test func differentSeedDiffers() throws {
    let a = try Self.contents(Self.make(Self.options(seed: 1)))
    let b = try Self.contents(Self.make(Self.options(seed: 2)))
    #expect(a["dataset.json"] != b["dataset.json"])
    #expect(a["images/00000.png"] != b["images/00000.png"])
  }

  @Test func splitsAreEightyTenTenAndLoad() throws {
    let dir = try Self.make(Self.options(count: 30))
    let file = dir.appendingPathComponent("dataset.json")
    let all = try RetrievalDataset.load(file)
    #expect(all.items.count == 30)
    for (split, n) in [("train", 24), ("val", 3), ("test", 3)] {
      let part = try RetrievalDataset.load(file, split: split)
      #expect(part.items.count == n, "\(split)")
      #expect(part.items.allSatisfy { $0.split == split })
      #expect(part.items.allSatisfy { FileManager.default.fileExists(atPath: $0.image.path) })
    }
    #expect(SyntheticDataset.splitCounts(imageCount: 600) == SyntheticSplitCounts(train: 480, val: 60, test: 60))
  }

  @Test func imagesDecodeAtTheRequestedSize() throws {
    let dir = try Self.make(Self.options(.shifted, count: 10))
    let items = try RetrievalDataset.load(dir.appendingPathComponent("dataset.json")).items
    for item in items {
      let image = try ImageDecoder.decode(contentsOf: item.image)
      #expect(image.width == 64 && image.height == 64)
      #expect(Set(stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }).count > 3, "not flat")
    }
    // The written file is what render() gives.
    #expect(try ImageDecoder.decode(contentsOf: items[4].image) == SyntheticDataset.render(index: 4, options: Self.options(.shifted, count: 10)))
  }

  @Test(arguments: SyntheticDomain.allCases)
  func everyImageHasFiveDistinctCaptionsNamingDomainColours(domain: SyntheticDomain) throws {
    let colours = domain.colours.map(\.name)
    for captions in try Self.captions(Self.make(Self.options(domain))) {
      #expect(captions.count == 5)
      #expect(Set(captions).count == 5, "\(captions)")
      for caption in captions {
        let words = Set(caption.split(whereSeparator: { !$0.isLetter }).map(String.init))
        #expect(colours.contains(where: words.contains), "\(caption)")
      }
    }
  }

  @Test func captionsCoverCountsPositionsAndRelations() throws {
    let all = try Self.captions(Self.make(Self.options(count: 60))).flatMap { $0 }
    for phrase in ["two ", "small ", "large ", "to the left of", " in the ", " and a"] {
      #expect(all.contains { $0.contains(phrase) }, "no caption with '\(phrase)'")
    }
  }

  @Test func shiftedUsesVocabularyBaseLacks() throws {
    func words(_ domain: SyntheticDomain) throws -> Set<String> {
      Set(try Self.captions(Self.make(Self.options(domain, count: 60))).flatMap { $0 }
        .flatMap { $0.split(whereSeparator: { !$0.isLetter }).map(String.init) })
    }
    let base = try words(.base), shifted = try words(.shifted)
    let novel = shifted.subtracting(base)
    for word in ["purple", "orange", "star", "hexagon", "ring"] where shifted.contains(word) || shifted.contains(word + "s") {
      #expect(!base.contains(word))
    }
    #expect(novel.count >= 5, "\(novel.sorted())")
    // The base colours and shapes carry over, so a base-trained model has a head start.
    for word in ["red", "green", "blue", "yellow", "circle", "square", "triangle"] {
      #expect(shifted.contains(word) || shifted.contains(word + "s"), "\(word)")
    }
  }

  @Test func rerunOverwritesItsOwnOutputAndDropsStaleImages() throws {
    let dir = try Self.make(Self.options(count: 20))
    try SyntheticDataset.write(to: dir, options: Self.options(count: 10))
    let names = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("images").path)
    #expect(names.count == 10)
    #expect(try Self.captions(dir).count == 10)
  }

  @Test func refusesForeignFoldersAndBadOptions() throws {
    let dir = Fixtures.temporaryDirectory("synth-foreign")
    try Data("hello".utf8).write(to: dir.appendingPathComponent("notes.txt"))
    #expect(throws: DatasetError.self) { try SyntheticDataset.write(to: dir, options: Self.options()) }
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("notes.txt").path))
    let fresh = Fixtures.temporaryDirectory("synth-bad").appendingPathComponent("x")
    #expect(throws: DatasetError.self) { try SyntheticDataset.write(to: fresh, options: Self.options(count: 9)) }
    var small = Self.options()
    small.imageSize = 31
    #expect(throws: DatasetError.self) { try SyntheticDataset.write(to: fresh, options: small) }
  }
}
