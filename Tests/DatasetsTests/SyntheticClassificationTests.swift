import Datasets
import Foundation
import TestSupport
import Testing

/// `SyntheticClassification.write`: the ImageFolder layout `ClassificationDataset.load` reads,
/// balanced classes, determinism, and which folders it may replace.
struct SyntheticClassificationTests {
  static func options(_ factor: SyntheticFactor = .shape, count: Int = 30, seed: UInt64 = 0,
                      domain: SyntheticDomain = .base) -> SyntheticClassificationOptions {
    SyntheticClassificationOptions(imageCount: count, seed: seed, domain: domain, factor: factor, imageSize: 32)
  }

  static func make(_ options: SyntheticClassificationOptions) throws -> URL {
    let dir = Fixtures.temporaryDirectory("synth-cls").appendingPathComponent("out")
    try SyntheticClassification.write(to: dir, options: options)
    return dir
  }

  /// Every file's relative path and bytes.
  static func contents(_ dir: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!
    for case let url as URL in files where !url.hasDirectoryPath {
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue { continue }
      out[url.path.replacingOccurrences(of: dir.path + "/", with: "")] = try Data(contentsOf: url)
    }
    return out
  }

  @Test func classNamesUseTheCaptionWords() {
    #expect(SyntheticFactor.shape.classNames(in: .base) == ["circle", "square", "triangle"])
    #expect(SyntheticFactor.colour.classNames(in: .base) == ["blue", "green", "red", "yellow"])
    #expect(SyntheticFactor.count.classNames(in: .base) == ["one", "three", "two"])
    #expect(SyntheticFactor.position.classNames(in: .base) == ["bottom left", "bottom right", "top left", "top right"])
    #expect(SyntheticFactor.shape.classNames(in: .shifted) == ["circle", "hexagon", "ring", "square", "star", "triangle"])
  }

  @Test func loadsAsABalancedImageFolder() throws {
    for factor in SyntheticFactor.allCases {
      let options = Self.options(factor, count: 40)
      let dir = try Self.make(options)
      let names = SyntheticClassification.classNames(options)
      for classes in [nil, dir.appendingPathComponent("classes.txt")] {
        let ds = try ClassificationDataset.load(dir, classNamesFile: classes)
        #expect(ds.classNames == names, "\(factor)")
        #expect(ds.train.count == 32 && ds.val.count == 4 && ds.test.count == 4)
        for split in [ds.train, ds.val, ds.test] {
          let counts = names.indices.map { c in split.filter { $0.label == c }.count }
          #expect(counts.max()! - counts.min()! <= 1, "\(factor): \(counts)")
        }
        // File NNNNN.png is image NNNNN, of class NNNNN mod C.
        for s in ds.train + ds.val + ds.test {
          let index = Int(s.image.deletingPathExtension().lastPathComponent)!
          #expect(s.label == SyntheticClassification.label(index: index, options: options))
          #expect(ds.relativePath(s) == SyntheticClassification.relativePath(index: index, options: options))
        }
      }
    }
  }

  @Test func sameOptionsGiveIdenticalBytes() throws {
    let a = try Self.contents(Self.make(Self.options(.position, seed: 3)))
    let b = try Self.contents(Self.make(Self.options(.position, seed: 3)))
    #expect(a.count == 32)  // 30 images, classes.txt, synthetic.json
    #expect(a == b)
    let c = try Self.contents(Self.make(Self.options(.position, seed: 4)))
    #expect(a["train/bottom_left/00000.png"] != c["train/bottom_left/00000.png"])
  }

  @Test func imageDependsOnlyOnItsIndex() {
    let small = Self.options(.count, count: 20), large = Self.options(.count, count: 500)
    for i in [0, 7, 19] {
      #expect(SyntheticClassification.scene(index: i, options: small) == SyntheticClassification.scene(index: i, options: large))
    }
    #expect(SyntheticClassification.scene(index: 3, options: small) != SyntheticClassification.scene(index: 3, options: Self.options(.colour, count: 20)))
  }

  @Test func scenesShowTheirClass() {
    for factor in SyntheticFactor.allCases {
      let options = Self.options(factor, count: 60, domain: .shifted)
      let names = SyntheticClassification.classNames(options)
      for i in 0..<60 {
        let scene = SyntheticClassification.scene(index: i, options: options), name = names[i % names.count]
        let o = scene.objects[0]
        switch factor {
        case .shape: #expect(scene.objects.count == 1 && o.shape.rawValue == name)
        case .colour: #expect(scene.objects.count == 1 && o.colour.name == name)
        case .count:
          #expect(["one", "two", "three"][scene.objects.count - 1] == name)
          #expect(scene.objects.allSatisfy { $0.shape == o.shape && $0.colour == o.colour })
        case .position:
          #expect(scene.objects.count == 1)
          #expect((o.x < 0.36 ? "left" : o.x > 0.64 ? "right" : "?") == name.split(separator: " ")[1].description)
          #expect((o.y < 0.36 ? "top" : o.y > 0.64 ? "bottom" : "?") == name.split(separator: " ")[0].description)
        }
      }
    }
  }

  @Test func rerunReplacesAnEarlierTask() throws {
    let dir = try Self.make(Self.options(.shape, count: 30))
    try SyntheticClassification.write(to: dir, options: Self.options(.count, count: 12))
    let ds = try ClassificationDataset.load(dir)
    #expect(ds.classNames == ["one", "three", "two"])
    #expect(ds.train.count + ds.val.count + ds.test.count == 12)
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("train/circle").path))
    #expect(try Self.contents(dir) == Self.contents(Self.make(Self.options(.count, count: 12))))
  }

  @Test func anUnfinishedTaskDoesNotLoad() throws {
    let dir = try Self.make(Self.options())
    let marker = dir.appendingPathComponent("synthetic.json")
    let text = try String(contentsOf: marker, encoding: .utf8)
    try text.replacingOccurrences(of: "\"finished\" : true", with: "\"finished\" : false").write(to: marker, atomically: true, encoding: .utf8)
    #expect { _ = try ClassificationDataset.load(dir) } throws: { error in
      guard let e = error as? DatasetError else { return false }
      return e.file == marker.path && e.message.contains("unfinished")
    }
    // It is still ours: a re-run replaces it.
    try SyntheticClassification.write(to: dir, options: Self.options())
    #expect(try ClassificationDataset.load(dir).train.count == 24)
  }

  @Test func refusesFoldersItDidNotWrite() throws {
    let t = TempTree()
    try t.file("mine/train/cat/00001.png")
    let mine = t.root.appendingPathComponent("mine")
    #expect { try SyntheticClassification.write(to: mine, options: Self.options()) } throws: { error in
      (error as? DatasetError)?.message.contains("not a cliptune synth classification task (it has no synthetic.json)") == true
    }
    #expect(FileManager.default.fileExists(atPath: mine.appendingPathComponent("train/cat/00001.png").path))

    let task = try Self.make(Self.options())
    try t.file("x").copyItem(to: task.appendingPathComponent("train/circle/photo.jpg"))
    #expect { try SyntheticClassification.write(to: task, options: Self.options()) } throws: { error in
      (error as? DatasetError)?.message.contains("found train/circle/photo.jpg") == true
    }

    let retrieval = Fixtures.temporaryDirectory("synth-cls").appendingPathComponent("retrieval")
    try SyntheticDataset.write(to: retrieval, options: SyntheticDatasetOptions(imageCount: 10, imageSize: 32))
    #expect { try SyntheticClassification.write(to: retrieval, options: Self.options()) } throws: { error in
      (error as? DatasetError)?.message.hasPrefix("holds a cliptune synth retrieval dataset") == true
    }
    let classification = try Self.make(Self.options())
    #expect { try SyntheticDataset.write(to: classification, options: SyntheticDatasetOptions(imageCount: 10, imageSize: 32)) } throws: { error in
      (error as? DatasetError)?.message.hasPrefix("holds a cliptune synth classification task") == true
    }
  }

  @Test func badOptionsNameTheFolder() throws {
    let dir = Fixtures.temporaryDirectory("synth-cls").appendingPathComponent("out")
    #expect { try SyntheticClassification.write(to: dir, options: Self.options(count: 5)) } throws: { error in
      (error as? DatasetError)?.description == "\(dir.path): need at least 10 images, got 5"
    }
    var big = Self.options()
    big.imageSize = 8
    #expect { try SyntheticClassification.write(to: dir, options: big) } throws: { error in
      (error as? DatasetError)?.message == "image size must be 32 to 4096 pixels, got 8"
    }
    #expect(!FileManager.default.fileExists(atPath: dir.path))
  }
}

private extension URL {
  func copyItem(to destination: URL) throws { try FileManager.default.copyItem(at: self, to: destination) }
}
