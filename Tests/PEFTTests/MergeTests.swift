import CLIP
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Merging folds the update into the base weights; the merged folder is a plain HF checkpoint.
struct MergeTests {
  static let tolerance: Float = 1e-5

  static func adaptedTiny() throws -> (CLIPModel, LoRAAdapter) {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 4, alpha: 8, targetModules: .pattern(".*(_proj|fc1|fc2|_projection)")),
                                 to: model, seed: 31)
    randomizeB(adapter, seed: 32)
    return (model, adapter)
  }

  @Test func mergedModelEqualsAdaptedModel() throws {
    let (model, adapter) = try Self.adaptedTiny()
    #expect(adapter.layers.count == 26)  // 24 block layers + both projections
    let adapted = try Tiny.features(model)
    let q = adapter.layers[0]
    var expectedWeight = q.base.weight.value
    expectedWeight.add(q.deltaWeight())
    adapter.merge()
    #expect(model.text.blocks[0].attention.qProj is Linear && model.visualProjection is Linear)
    #expect(model.parameters.allSatisfy { !$0.name.contains("lora_") })
    #expect((model.vision.blocks[0].attention.qProj as! Linear).weight.value == expectedWeight)
    let merged = try Tiny.features(model)
    expectClose(merged.image, adapted.image, tolerance: Self.tolerance, "merged vs adapted image features")
    expectClose(merged.text, adapted.text, tolerance: Self.tolerance, "merged vs adapted text features")
  }

  @Test func removeRestoresTheBase() throws {
    let base = try Tiny.features(try Tiny.model())
    let (model, adapter) = try Self.adaptedTiny()
    adapter.remove()
    let after = try Tiny.features(model)
    #expect(after.image == base.image && after.text == base.text)
  }

  @Test func mergedFolderIsALoadableCheckpoint() throws {
    let (model, adapter) = try Self.adaptedTiny()
    let adapted = try Tiny.features(model)
    let dir = Fixtures.temporaryDirectory("peft-merged").appendingPathComponent("merged")
    try adapter.saveMerged(to: dir, copyingFrom: Tiny.directory)
    for name in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json"] {
      #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), "\(name)")
    }
    #expect(try Data(contentsOf: dir.appendingPathComponent("vocab.json")) == Data(contentsOf: Tiny.directory.appendingPathComponent("vocab.json")))
    let weights = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors"))
    #expect(Set(weights.names) == Set(model.parameters.map(\.name)))
    #expect(weights.info("logit_scale")?.shape == [])
    let reloaded = try CLIPModel.load(directory: dir)
    #expect(reloaded.config == model.config)
    let features = try Tiny.features(reloaded)
    expectClose(features.image, adapted.image, tolerance: Self.tolerance, "reloaded merged image features")
    expectClose(features.text, adapted.text, tolerance: Self.tolerance, "reloaded merged text features")
  }

  @Test func writingWithAnAdapterAttachedOrOverTheBaseIsRefused() throws {
    let (model, adapter) = try Self.adaptedTiny()
    let dir = Fixtures.temporaryDirectory("peft-merged")
    let attached = errorText { try MergedCheckpoint.write(model, to: dir.appendingPathComponent("m")) }
    #expect(attached?.contains("still has an adapter") == true)
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m").path))
    adapter.merge()
    let over = errorText { try MergedCheckpoint.write(model, to: dir, copyingFrom: dir) }
    #expect(over?.contains("refusing to overwrite the base model's own folder") == true)
  }
}
