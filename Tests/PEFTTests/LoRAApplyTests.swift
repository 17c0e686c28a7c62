import CLIP
import Layers
import PEFT
import Tensors
import Testing

/// `LoRA.apply`: PEFT's initialisation, seeded, and a no-op on outputs until B trains.
struct LoRAApplyTests {
  @Test func freshAdapterLeavesOutputsUnchanged() throws {
    let base = try Tiny.features(try Tiny.model())
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 4, alpha: 8, dropout: 0.1), to: model, seed: 1)
    #expect(adapter.layers.allSatisfy { $0.loraB.value.data.allSatisfy { $0 == 0 } })
    let adapted = try Tiny.features(model)
    #expect(adapted.image == base.image && adapted.text == base.text)
  }

  /// A ~ kaiming_uniform(a = √5) = U(−1/√in, 1/√in): scaled by √in, mean 0 and variance 1/3.
  @Test func loraAIsKaimingUniform() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 16), to: model, seed: 2)
    var scaled: [Double] = []
    for layer in adapter.layers {
      let root = Float(layer.inFeatures).squareRoot()
      #expect(layer.loraA.shape == [16, layer.inFeatures] && layer.loraB.shape == [layer.outFeatures, 16])
      #expect(layer.loraA.name == "\(layer.moduleName).lora_A.weight" && layer.loraB.name == "\(layer.moduleName).lora_B.weight")
      #expect(layer.loraA.value.data.allSatisfy { abs($0) * root <= 1 }, "\(layer.moduleName): outside ±1/√in")
      scaled += layer.loraA.value.data.map { Double($0 * root) }
    }
    let mean = scaled.reduce(0, +) / Double(scaled.count)
    let variance = scaled.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scaled.count)
    #expect(scaled.count > 15_000 && abs(mean) < 0.02 && abs(variance - 1.0 / 3) < 0.01, "mean \(mean), variance \(variance)")
  }

  @Test func initialisationFollowsTheSeed() throws {
    func firstA(seed: UInt64) throws -> Tensor {
      try LoRA.apply(LoRAConfig(rank: 2), to: try Tiny.model(), seed: seed).layers[0].loraA.value
    }
    #expect(try firstA(seed: 5) == firstA(seed: 5))
    #expect(try firstA(seed: 5) != firstA(seed: 6))
  }

  @Test func adaptedLayersSitInTheModel() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(targetModules: .names(["self_attn.v_proj", "fc2"]), towers: .vision), to: model, seed: 3)
    #expect(adapter.moduleNames == [
      "vision_model.encoder.layers.0.self_attn.v_proj", "vision_model.encoder.layers.0.mlp.fc2",
      "vision_model.encoder.layers.1.self_attn.v_proj", "vision_model.encoder.layers.1.mlp.fc2",
    ])
    #expect(model.vision.blocks[1].attention.vProj === adapter.layers[2])
    #expect(model.vision.blocks[1].mlp.fc2 === adapter.layers[3])
    #expect(model.text.blocks[0].attention.vProj is Linear)
  }
}
