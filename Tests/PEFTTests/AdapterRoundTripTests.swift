import CLIP
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Our adapters saved in PEFT's format load back to the same model. Set CLIPTUNE_PEFT_EXPORT=DIR to
/// also keep them (with ClipTune's features and the merged model) under DIR for
/// Scripts/parity/peft_load_ours.py.
struct AdapterRoundTripTests {
  static let cases: [(String, LoRAConfig)] = [
    ("both_list", LoRAConfig(rank: 4, alpha: 8, dropout: 0.1)),
    ("vision_regex_rslora", LoRAConfig(rank: 2, alpha: 3, targetModules: .pattern(".*(q|v)_proj|visual_projection"),
                                       towers: .vision, useRSLoRA: true)),
  ]

  @Test(arguments: 0..<2)
  func saveThenLoadGivesTheSameModel(_ index: Int) throws {
    let (name, config) = Self.cases[index]
    let model = try Tiny.model()
    let adapter = try LoRA.apply(config, to: model, seed: 21)
    randomizeB(adapter, seed: 22)
    adapter.baseModelNameOrPath = "Tests/Fixtures/clip/tiny"
    let features = try Tiny.features(model)
    let dir = Fixtures.temporaryDirectory("peft-roundtrip").appendingPathComponent(name)
    try adapter.save(to: dir)

    let weights = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("adapter_model.safetensors"))
    #expect(weights.metadata == ["format": "pt"])
    #expect(Set(weights.names) == Set(adapter.moduleNames.flatMap {
      ["base_model.model.\($0).lora_A.weight", "base_model.model.\($0).lora_B.weight"]
    }))
    let again = try Tiny.model()
    let loaded = try LoRA.load(adapterDirectory: dir, onto: again)
    #expect(loaded.moduleNames == adapter.moduleNames)
    for (a, b) in zip(loaded.layers, adapter.layers) {
      #expect(a.loraA.value == b.loraA.value && a.loraB.value == b.loraB.value && a.scaling == b.scaling)
    }
    #expect(loaded.config.rank == config.rank && loaded.config.alpha == config.alpha)
    #expect(loaded.config.dropout == config.dropout && loaded.config.useRSLoRA == config.useRSLoRA)
    let reloaded = try Tiny.features(again)
    #expect(reloaded.image == features.image && reloaded.text == features.text, "bit-identical after a round trip")

    if let export = ProcessInfo.processInfo.environment["CLIPTUNE_PEFT_EXPORT"] {
      let keep = URL(fileURLWithPath: export).appendingPathComponent(name)
      try adapter.save(to: keep)
      let (pixels, ids) = try Tiny.inputs()
      let t = ids.map(\.count).max()!
      let padded = ids.flatMap { $0.map(Float.init) + Array(repeating: -1, count: t - $0.count) }
      try SafeTensorsWriter.write([
        ("pixel_values", pixels), ("input_ids", Tensor(shape: [ids.count, t], data: padded)),
        ("input_lengths", Tensor(shape: [ids.count], data: ids.map { Float($0.count) })),
        ("image_embeds", features.image), ("text_embeds", features.text),
      ], to: keep.appendingPathComponent("cliptune_embeds.safetensors"))
      try adapter.saveMerged(to: keep.appendingPathComponent("merged"), copyingFrom: Tiny.directory)
    }
  }

  @Test func configFileHasPEFTsFields() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 4, alpha: 8, dropout: 0.1), to: model, seed: 1)
    let dir = Fixtures.temporaryDirectory("peft-config")
    try adapter.save(to: dir)
    let data = try Data(contentsOf: dir.appendingPathComponent("adapter_config.json"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    // Keys PEFT 0.21.2 writes for LoraConfig (from its own save_pretrained output in the fixture).
    let peft = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("peft/tiny_lora/adapter_config.json"))) as? [String: Any])
    #expect(Set(json.keys) == Set(peft.keys))
    #expect(json["peft_type"] as? String == "LORA" && json["r"] as? Int == 4 && json["lora_alpha"] as? Int == 8)
    #expect(json["lora_dropout"] as? Double == 0.1 && json["use_rslora"] as? Bool == false)
    #expect(json["target_modules"] as? [String] == LoRAConfig.attentionAndMLP)
    #expect(json["bias"] as? String == "none" && json["fan_in_fan_out"] as? Bool == false)
    #expect(json["init_lora_weights"] as? Bool == true && json["inference_mode"] as? Bool == true)
    #expect(json["task_type"] is NSNull && json["modules_to_save"] is NSNull && json["base_model_name_or_path"] is NSNull)
    #expect(String(decoding: data, as: UTF8.self).hasPrefix("{\n  \"alora_invocation_tokens\": null,\n  \"alpha_pattern\": {},"))
  }

  /// Reading PEFT's own adapter_config.json and writing it back gives the same bytes.
  @Test func rewritingPEFTsConfigIsByteIdentical() throws {
    let original = Fixtures.url("peft/tiny_lora/adapter_config.json")
    let copy = Fixtures.temporaryDirectory("peft-config").appendingPathComponent("adapter_config.json")
    try AdapterConfigFile(contentsOf: original).write(to: copy)
    #expect(try String(contentsOf: copy, encoding: .utf8) == String(contentsOf: original, encoding: .utf8))
  }

  @Test func oneTowerAdaptersNameTheirModulesExplicitly() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 2, targetModules: .names(["fc2"]), towers: .text), to: model, seed: 1)
    let dir = Fixtures.temporaryDirectory("peft-tower")
    try adapter.save(to: dir)
    let file = try AdapterConfigFile(contentsOf: dir.appendingPathComponent("adapter_config.json"))
    #expect(file.lora.targetModules == .names(["text_model.encoder.layers.0.mlp.fc2", "text_model.encoder.layers.1.mlp.fc2"]))
  }
}
