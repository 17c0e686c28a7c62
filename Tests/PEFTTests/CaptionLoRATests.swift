import Captioning
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// LoRA on the captioner's GPT-2 Conv1D layers (PEFT's fan_in_fan_out case), against PEFT
/// (Scripts/fixtures/make_captioner_fixtures.py).
struct CaptionLoRATests {
  static let folder = Fixtures.url("captioner/tiny")

  /// PEFT's suffix matching of c_attn, c_proj, c_fc: self- and cross-attention c_attn and
  /// c_proj and the MLP's c_fc and c_proj, but not cross-attention q_attn nor anything in the ViT.
  @Test func targetsAreWhatPEFTsSuffixMatchingSelects() throws {
    let model = try CaptionModel.load(directory: Self.folder)
    let config = LoRAConfig(rank: 4, alpha: 8, targetModules: .names(["c_attn", "c_proj", "c_fc"]))
    let names = try LoRA.targets(config, in: model).map(\.name)
    let block = ["attn.c_attn", "attn.c_proj", "crossattention.c_attn", "crossattention.c_proj", "mlp.c_fc", "mlp.c_proj"]
    #expect(names == (0..<2).flatMap { i in block.map { "decoder.transformer.h.\(i).\($0)" } })
    let adapter = try LoRA.apply(config, to: model, seed: 0)
    #expect(adapter.trainableSummary().description == "trainable params: 4,032 || all params: 63,568 || trainable%: 6.3428")
  }

  /// PEFT's trained adapter loads onto our model and gives PEFT's logits.
  @Test func peftAdapterGivesPEFTsLogits() throws {
    let model = try CaptionModel.load(directory: Self.folder)
    try LoRA.load(adapterDirectory: Fixtures.url("captioner/trained_adapter"), onto: model)
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward.safetensors"))
    let ids = try f.tensor("decoder_input_ids"), t = ids.shape[1]
    let inputs = (0..<ids.shape[0]).map { i in (0..<t).map { Int(ids.data[i * t + $0]) } }
    let logits = try model.forward(try f.tensor("pixel_values"), decoderInputs: inputs)
    let expected = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward_adapter.safetensors")).tensor("logits")
    if let m = mismatches(logits.data, expected.data, tolerance: 1e-5, relative: true) { Issue.record("adapter logits: \(m)") }
  }

  /// Saved in PEFT's format (fan_in_fan_out true, VisionEncoderDecoderModel auto_mapping) and
  /// merged into the Conv1D weights ([in, out]: the update transposed) with the same outputs.
  @Test func saveLoadAndMergeKeepTheOutputs() throws {
    let model = try CaptionModel.load(directory: Self.folder)
    let adapter = try LoRA.load(adapterDirectory: Fixtures.url("captioner/trained_adapter"), onto: model)
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward.safetensors"))
    let pixels = try f.tensor("pixel_values")
    let inputs = [[1196, 5, 9, 11], [1196, 7, 7, 2], [1196, 3, 1, 4]]
    let before = try model.forward(pixels, decoderInputs: inputs)
    let dir = Fixtures.temporaryDirectory("caption-adapter")
    try adapter.save(to: dir)
    let config = try String(contentsOf: dir.appendingPathComponent("adapter_config.json"), encoding: .utf8)
    #expect(config.contains("\"fan_in_fan_out\": true"))
    #expect(config.contains("\"base_model_class\": \"VisionEncoderDecoderModel\""))
    let reloaded = try CaptionModel.load(directory: Self.folder)
    try LoRA.load(adapterDirectory: dir, onto: reloaded)
    #expect(try reloaded.forward(pixels, decoderInputs: inputs).data == before.data)
    adapter.merge()
    #expect(model.linearSlots.allSatisfy { !($0.layer is LoRALinear) })
    let merged = try model.forward(pixels, decoderInputs: inputs)
    if let m = mismatches(merged.data, before.data, tolerance: 1e-5, relative: true) { Issue.record("merged: \(m)") }
  }

  /// The merged captioner writes a folder that loads back with the same outputs.
  @Test func mergedCheckpointLoadsBack() throws {
    let model = try CaptionModel.load(directory: Self.folder)
    let adapter = try LoRA.load(adapterDirectory: Fixtures.url("captioner/trained_adapter"), onto: model)
    let out = Fixtures.temporaryDirectory("caption-merged").appendingPathComponent("model")
    try adapter.saveMerged(to: out, copyingFrom: Self.folder)
    let back = try CaptionModel.load(directory: out)
    let pixels = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward.safetensors")).tensor("pixel_values")
    let inputs = [[1196, 5, 9], [1196, 7, 7], [1196, 3, 1]]
    #expect(try back.forward(pixels, decoderInputs: inputs).data == model.forward(pixels, decoderInputs: inputs).data)
    for name in ["vocab.json", "merges.txt", "preprocessor_config.json", "generation_config.json"] {
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "missing \(name)")
    }
  }
}

/// transformers 5 names the ViT's modules differently in memory (`encoder.layers.0.attention.q_proj`)
/// from its checkpoints; PEFT adapters on the ViT use the in-memory names. They load, select the
/// same layers, give PEFT's logits, and are saved back under those names.
struct CaptionViTAdapterTests {
  @Test func transformers5ViTAdapterLoadsAndSavesUnderItsNames() throws {
    let model = try CaptionModel.load(directory: Fixtures.url("captioner/tiny"))
    let adapter = try LoRA.load(adapterDirectory: Fixtures.url("captioner/vit_adapter"), onto: model)
    #expect(adapter.moduleNames.filter { $0.hasPrefix("encoder.") } == [
      "encoder.encoder.layer.0.attention.attention.query", "encoder.encoder.layer.0.attention.attention.value",
      "encoder.encoder.layer.1.attention.attention.query", "encoder.encoder.layer.1.attention.attention.value",
    ])
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward.safetensors"))
    let ids = try f.tensor("decoder_input_ids"), t = ids.shape[1]
    let inputs = (0..<ids.shape[0]).map { i in (0..<t).map { Int(ids.data[i * t + $0]) } }
    let logits = try model.forward(try f.tensor("pixel_values"), decoderInputs: inputs)
    let expected = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward_vit_adapter.safetensors")).tensor("logits")
    if let m = mismatches(logits.data, expected.data, tolerance: 1e-5, relative: true) { Issue.record("ViT adapter logits: \(m)") }
    let dir = Fixtures.temporaryDirectory("vit-adapter")
    try adapter.save(to: dir)
    let keys = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("adapter_model.safetensors")).names
    #expect(keys.contains("base_model.model.encoder.layers.0.attention.q_proj.lora_A.weight"), "\(keys.prefix(4))")
    let again = try CaptionModel.load(directory: Fixtures.url("captioner/tiny"))
    try LoRA.load(adapterDirectory: dir, onto: again)
    #expect(try again.forward(try f.tensor("pixel_values"), decoderInputs: inputs).data == logits.data)
  }
}
