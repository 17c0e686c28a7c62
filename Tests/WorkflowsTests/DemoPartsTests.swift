import CLIP
import Datasets
import Foundation
import TestSupport
import Testing
@testable import Workflows

/// The demo's parts: the from-scratch checkpoint, zero-shot labels, the output folder, options.
struct DemoPartsTests {
  @Test func scratchModelFolderLoadsAndTokenizesEveryCaptionWordAsOneToken() throws {
    let dir = Fixtures.temporaryDirectory("scratch")
    let captions = ["a small red circle in the top left", "two blue squares, both blue", "a purple star above a ring"]
    let shape = ScratchModelShape(hiddenSize: 32, layers: 1, heads: 2, patchSize: 8, contextLength: 16)
    try ScratchModel.write(to: dir, shape: shape, imageSize: 32, captions: captions, seed: 1)
    let pipeline = try CLIPPipeline.load(modelDirectory: dir)
    let config = pipeline.model.config
    #expect(config.vision.imageSize == 32 && config.text.hiddenSize == 32 && config.text.maxPositionEmbeddings == 16)
    let tokenizer = try pipeline.tokenizer()
    #expect(config.text.vocabSize == tokenizer.vocabularySize)
    #expect(config.text.eosTokenId == tokenizer.endToken && config.text.bosTokenId == tokenizer.startToken)
    for caption in captions {
      let ids = try pipeline.tokenize([caption])[0]
      let words = caption.split(separator: " ").count + caption.filter { $0 == "," }.count
      #expect(ids.count == words + 2, "\(caption): \(ids)")
    }
    // Same arguments, same bytes.
    let again = Fixtures.temporaryDirectory("scratch2")
    try ScratchModel.write(to: again, shape: shape, imageSize: 32, captions: captions, seed: 1)
    for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json"] {
      #expect(try Data(contentsOf: dir.appendingPathComponent(file)) == Data(contentsOf: again.appendingPathComponent(file)), "\(file)")
    }
  }

  @Test func zeroShotLabelsFollowTheScenes() throws {
    let options = SyntheticDatasetOptions(imageCount: 40, seed: 3, domain: .shifted, imageSize: 32)
    let dir = Fixtures.temporaryDirectory("zs")
    try SyntheticDataset.write(to: dir, options: options)
    let test = try RetrievalDataset.load(dir.appendingPathComponent("dataset.json"), split: "test")
    let data = SyntheticDemoData(base: dir, shifted: dir, allCaptions: [], shiftedOptions: options)
    let labels = try data.shiftedZeroShot(test)
    #expect(labels.classNames == ["circle", "square", "triangle", "star", "hexagon", "ring"])
    #expect(labels.labels.count == test.items.count)
    for (item, label) in zip(test.items, labels.labels) {
      let index = Int(item.image.deletingPathExtension().lastPathComponent)!
      let shapes = Set(SyntheticDataset.sample(index: index, options: options).scene.objects.map(\.shape.rawValue))
      if let label {
        #expect(shapes == [labels.classNames[label]])
        // Every caption names that shape (singular or plural).
        #expect(item.captions.allSatisfy { $0.contains(labels.classNames[label]) })
      } else {
        #expect(shapes.count > 1)
      }
    }
  }

  @Test func outputFolderMustBeNewEmptyOrAnEarlierDemo() throws {
    let dir = Fixtures.temporaryDirectory("demo-folder")
    let options = DemoOptions(output: dir.path)
    try DemoFolder.prepare(dir, options: options)   // empty: fine
    try Data("{}".utf8).write(to: dir.appendingPathComponent("results.json"))
    try DemoFolder.prepare(dir, options: options)   // an earlier demo (demo.json): cleared
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results.json").path))
    let other = Fixtures.temporaryDirectory("demo-other")
    try Data("x".utf8).write(to: other.appendingPathComponent("thesis.tex"))
    #expect(throws: DemoError.self) { try DemoFolder.prepare(other, options: options) }
    #expect(FileManager.default.fileExists(atPath: other.appendingPathComponent("thesis.tex").path))
  }

  @Test func optionsAreValidated() {
    var o = DemoOptions(output: "x")
    #expect(throws: Never.self) { try o.validate() }
    #expect(throws: Never.self) { try DemoOptions.quick(output: "x").validate() }
    o.model = "m"
    #expect(throws: DemoError.self) { try o.validate() }
    o.data = "d"
    #expect(throws: Never.self) { try o.validate() }
    o.imageSize = 44
    #expect(throws: DemoError.self) { try o.validate() }
  }
}
