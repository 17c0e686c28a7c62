import CLIP
import Foundation
import Tensors
import Testing

struct CLIPInitializationTests {
  /// Both towers of width 64 with 2 layers, so the stds are round: d^-½ = 0.125,
  /// d^-½·(2L)^-½ = 0.0625, (2d)^-½ ≈ 0.0884.
  var config: CLIPConfig {
    var c = CLIPConfig()
    c.projectionDim = 32
    c.text.vocabSize = 300; c.text.hiddenSize = 64; c.text.intermediateSize = 128; c.text.numHiddenLayers = 2
    c.text.numAttentionHeads = 4; c.text.maxPositionEmbeddings = 16
    c.vision.hiddenSize = 64; c.vision.intermediateSize = 128; c.vision.numHiddenLayers = 2
    c.vision.numAttentionHeads = 4; c.vision.imageSize = 32; c.vision.patchSize = 8
    return c
  }

  func std(_ t: Tensor) -> Double {
    let n = Double(t.count)
    let mean = t.data.reduce(0) { $0 + Double($1) } / n
    return (t.data.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
  }

  @Test func weightsHaveTransformersInitScales() {
    let model = CLIPModel.randomlyInitialized(config, seed: 3)
    let byName = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value) })
    let expected: [(String, Double)] = [
      ("text_model.embeddings.token_embedding.weight", 0.02),
      ("text_model.embeddings.position_embedding.weight", 0.02),
      ("vision_model.embeddings.patch_embedding.weight", 0.02),
      ("vision_model.embeddings.position_embedding.weight", 0.02),
      ("vision_model.embeddings.class_embedding", 0.125),
      ("vision_model.encoder.layers.1.self_attn.q_proj.weight", 0.0625),
      ("text_model.encoder.layers.0.self_attn.v_proj.weight", 0.0625),
      ("text_model.encoder.layers.0.self_attn.out_proj.weight", 0.125),
      ("vision_model.encoder.layers.0.mlp.fc1.weight", 1 / 128.0.squareRoot()),
      ("vision_model.encoder.layers.0.mlp.fc2.weight", 0.0625),
      ("visual_projection.weight", 0.125),
      ("text_projection.weight", 0.125),
    ]
    for (name, want) in expected {
      let t = byName[name]!
      // Sample std of ≥ 64 normal draws: within 25% (class embedding, 64 draws) or 10% (the rest).
      let tolerance = t.count < 1000 ? 0.25 : 0.1
      #expect(abs(std(t) / want - 1) < tolerance, "\(name): std \(std(t)), want \(want)")
    }
    for (name, t) in byName where name.hasSuffix(".bias") { #expect(t.data.allSatisfy { $0 == 0 }, "\(name)") }
    #expect(byName["vision_model.pre_layrnorm.weight"]!.data.allSatisfy { $0 == 1 })
    #expect(abs(model.logitScale.value.data[0] - 2.6592) < 1e-6)
  }

  @Test func sameSeedSameWeightsOtherSeedOthers() {
    let a = CLIPModel.randomlyInitialized(config, seed: 1).parameters.map(\.value.data)
    let b = CLIPModel.randomlyInitialized(config, seed: 1).parameters.map(\.value.data)
    let c = CLIPModel.randomlyInitialized(config, seed: 2).parameters.map(\.value.data)
    #expect(a == b)
    #expect(a != c)
  }
}
