import CLIP
import Layers
import PEFT
import Testing

/// Validation and target-module matching (PEFT's `check_target_module_exists` rules).
struct LoRAConfigTests {
  static let tinyConfig: CLIPConfig = {
    var c = CLIPConfig()
    c.text.hiddenSize = 8; c.text.intermediateSize = 16; c.text.numHiddenLayers = 2; c.text.numAttentionHeads = 2
    c.text.vocabSize = 10; c.text.maxPositionEmbeddings = 4
    c.vision.hiddenSize = 8; c.vision.intermediateSize = 16; c.vision.numHiddenLayers = 2; c.vision.numAttentionHeads = 2
    c.vision.imageSize = 4; c.vision.patchSize = 2
    c.projectionDim = 4
    return c
  }()

  @Test func invalidNumbersAreRejected() {
    #expect(errorText { try LoRAConfig(rank: 0).validate() }?.contains("rank r must be positive, got 0") == true)
    #expect(errorText { try LoRAConfig(rank: -2).validate() }?.contains("got -2") == true)
    #expect(errorText { try LoRAConfig(alpha: -1).validate() }?.contains("lora_alpha") == true)
    #expect(errorText { try LoRAConfig(dropout: 1).validate() }?.contains("lora_dropout must be in [0, 1), got 1.0") == true)
    #expect(errorText { try LoRAConfig(dropout: -0.1).validate() }?.contains("lora_dropout") == true)
    #expect(errorText { try LoRAConfig(dropout: .nan).validate() }?.contains("lora_dropout") == true)
    #expect(errorText { try LoRAConfig(targetModules: .names([])).validate() }?.contains("target_modules is empty") == true)
    #expect(errorText { try LoRAConfig(targetModules: .pattern("(q_proj")).validate() }?.contains("does not compile") == true)
    #expect(errorText { try LoRAConfig(rank: 4, alpha: 0, dropout: 0.5).validate() } == nil)
  }

  @Test func scalingIsAlphaOverRankOrOverItsSquareRoot() {
    #expect(LoRAConfig(rank: 16, alpha: 32).scaling == 2)
    #expect(LoRAConfig(rank: 16, alpha: 32, useRSLoRA: true).scaling == 8)
  }

  @Test func listTargetsMatchExactNamesAndDottedSuffixes() {
    let s = ModuleSelector.names(["q_proj", "mlp.fc1", "visual_projection"])
    #expect(s.matches("text_model.encoder.layers.0.self_attn.q_proj"))
    #expect(s.matches("vision_model.encoder.layers.1.mlp.fc1"))
    #expect(s.matches("visual_projection"))
    #expect(!s.matches("text_model.encoder.layers.0.self_attn.k_proj"))
    #expect(!s.matches("text_model.encoder.layers.0.self_attn.xq_proj"))  // suffix must follow a dot
    #expect(!s.matches("vision_model.encoder.layers.1.mlp.fc1x"))
  }

  @Test func regexTargetsMustMatchTheWholeName() {
    let s = ModuleSelector.pattern(#"vision_model\.encoder\.layers\.\d+\.self_attn\.(q|v)_proj"#)
    #expect(s.matches("vision_model.encoder.layers.11.self_attn.q_proj"))
    #expect(s.matches("vision_model.encoder.layers.0.self_attn.v_proj"))
    #expect(!s.matches("vision_model.encoder.layers.0.self_attn.k_proj"))
    #expect(!ModuleSelector.pattern("q_proj").matches("text_model.encoder.layers.0.self_attn.q_proj"))  // fullmatch, not search
    #expect(ModuleSelector.pattern(".*q_proj").matches("text_model.encoder.layers.0.self_attn.q_proj"))
  }

  @Test func towersAndExclusionsRestrictTheSelection() throws {
    let model = CLIPModel(Self.tinyConfig)
    let vision = try LoRA.targets(LoRAConfig(towers: .vision), in: model).map(\.name)
    #expect(vision.count == 12 && vision.allSatisfy { $0.hasPrefix("vision_model.") })
    let text = try LoRA.targets(LoRAConfig(towers: .text), in: model).map(\.name)
    #expect(text.count == 12 && text.allSatisfy { $0.hasPrefix("text_model.") })
    #expect(try LoRA.targets(LoRAConfig(), in: model).count == 24)
    let projections = try LoRA.targets(LoRAConfig(targetModules: .pattern(".*_projection")), in: model).map(\.name)
    #expect(projections == ["visual_projection", "text_projection"])
    let excluded = try LoRA.targets(LoRAConfig(excludeModules: .pattern(#".*layers\.0\..*"#)), in: model).map(\.name)
    #expect(excluded.count == 12 && !excluded.contains { $0.contains("layers.0.") })
  }

  @Test func aTargetThatMatchesNothingIsNamedWithTheAvailableModules() {
    let model = CLIPModel(Self.tinyConfig)
    let message = errorText { try LoRA.apply(LoRAConfig(targetModules: .names(["q_proj", "qkv"])), to: model, seed: 1) }
    #expect(message?.contains("target module 'qkv' matches no Linear layer in the vision and text towers") == true, "\(message ?? "")")
    #expect(message?.contains("available module names: q_proj, k_proj, v_proj, out_proj, fc1, fc2, visual_projection, text_projection") == true)
    let regex = errorText { try LoRA.apply(LoRAConfig(targetModules: .pattern("q_proj")), to: model, seed: 1) }
    #expect(regex?.contains("target_modules regex 'q_proj'") == true, "\(regex ?? "")")
    let tower = errorText { try LoRA.apply(LoRAConfig(targetModules: .names(["text_projection"]), towers: .vision), to: model, seed: 1) }
    #expect(tower?.contains("'text_projection' matches no Linear layer in the vision tower") == true, "\(tower ?? "")")
    #expect(model.linearSlots.allSatisfy { $0.layer is Linear }, "a failed apply must leave the model untouched")
    #expect(model.parameters.allSatisfy { $0.trainable })
  }

  @Test func adaptingTwiceIsAnError() throws {
    let model = CLIPModel(Self.tinyConfig)
    try LoRA.apply(LoRAConfig(targetModules: .names(["q_proj"])), to: model, seed: 1)
    let message = errorText { try LoRA.apply(LoRAConfig(targetModules: .names(["q_proj"])), to: model, seed: 2) }
    #expect(message?.contains("already has a LoRA adapter") == true)
  }
}
