import CLIP
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Adapters written by PEFT 0.21 (Scripts/fixtures/make_peft_fixtures.py) load and reproduce what
/// PEFT computes with them, adapted and merged. Tolerance: 1e-5 of the output scale, the parity
/// aim of the base model.
struct PEFTParityTests {
  static let tolerance: Float = 1e-5

  /// tiny_lora: list targets, both towers, r = 4, F32. tiny_lora_regex_f16: a regex selecting
  /// vision q/v/fc1 + visual_projection, r = 2, rsLoRA, F16 weights, an unknown config key.
  @Test(arguments: [("tiny_lora", 24, 4), ("tiny_lora_regex_f16", 7, 2)])
  func peftAdapterReproducesPEFTFeatures(_ name: String, layers: Int, rank: Int) throws {
    let dir = Fixtures.url("peft/\(name)")
    let expected = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("expected.safetensors"))
    let model = try Tiny.model()
    let base = try Tiny.features(model)
    let adapter = try LoRA.load(adapterDirectory: dir, onto: model)
    #expect(adapter.layers.count == layers && adapter.config.rank == rank)
    #expect(adapter.baseModelNameOrPath == "Tests/Fixtures/clip/tiny")
    #expect(adapter.parameters.allSatisfy { !$0.trainable }, "inference load freezes the LoRA matrices too")
    let adapted = try Tiny.features(model)
    expectClose(adapted.image, try expected.tensor("image_embeds"), tolerance: Self.tolerance, "\(name) image_embeds")
    expectClose(adapted.text, try expected.tensor("text_embeds"), tolerance: Self.tolerance, "\(name) text_embeds")
    #expect(Closeness(adapted.image.data, base.image.data).maxAbs > 0.1, "the adapter must change image features")

    adapter.merge()
    #expect(model.linearSlots.allSatisfy { $0.layer is Linear } && adapter.layers.isEmpty)
    let merged = try Tiny.features(model)
    expectClose(merged.image, try expected.tensor("merged_image_embeds"), tolerance: Self.tolerance, "\(name) merged image_embeds")
    expectClose(merged.text, try expected.tensor("merged_text_embeds"), tolerance: Self.tolerance, "\(name) merged text_embeds")
  }

  @Test func regexConfigIsReadAsAPattern() throws {
    let file = try AdapterConfigFile(contentsOf: Fixtures.url("peft/tiny_lora_regex_f16/adapter_config.json"))
    #expect(file.lora.targetModules == .pattern(#"vision_model\.encoder\.layers\.\d+\.(self_attn\.(q|v)_proj|mlp\.fc1)|visual_projection"#))
    #expect(file.lora.useRSLoRA && file.lora.rank == 2 && file.lora.alpha == 3)
    #expect(abs(file.lora.scaling - 3 / 2.0.squareRoot()) < 1e-12)
  }

  @Test func loadedAdapterCanTrain() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.load(adapterDirectory: Fixtures.url("peft/tiny_lora"), onto: model, trainable: true)
    #expect(adapter.trainableSummary().description == "trainable params: 8,960 || all params: 108,737 || trainable%: 8.2401")
  }
}
