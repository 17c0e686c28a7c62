import CLIP
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Broken adapter folders fail with messages that name the file and the problem, and leave the
/// model untouched.
struct AdapterLoadingErrorTests {
  /// A writable copy of the PEFT-written tiny_lora adapter.
  static func copyOfAdapter() throws -> URL {
    let dir = Fixtures.temporaryDirectory("peft-broken").appendingPathComponent("adapter")
    try FileManager.default.copyItem(at: Fixtures.url("peft/tiny_lora"), to: dir)
    return dir
  }

  static func editConfig(_ dir: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let url = dir.appendingPathComponent("adapter_config.json")
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    edit(&json)
    try JSONSerialization.data(withJSONObject: json).write(to: url)
  }

  static func editWeights(_ dir: URL, _ edit: (inout [String: Tensor]) -> Void) throws {
    let url = dir.appendingPathComponent("adapter_model.safetensors")
    let file = try SafeTensorsFile(contentsOf: url)
    var tensors: [String: Tensor] = [:]
    for name in file.names { tensors[name] = try file.tensor(name) }
    edit(&tensors)
    try SafeTensorsWriter.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: url)
  }

  /// Loads `dir` onto a fresh tiny model; returns the error text and checks the model is unchanged.
  static func loadError(_ dir: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let model = try Tiny.model()
    let message = errorText { try LoRA.load(adapterDirectory: dir, onto: model) }
    #expect(message != nil, "loading should fail", sourceLocation: sourceLocation)
    #expect(model.linearSlots.allSatisfy { $0.layer is Linear } && model.parameters.allSatisfy { $0.trainable },
            "a failed load must leave the model untouched", sourceLocation: sourceLocation)
    return message ?? ""
  }

  static let q0 = "base_model.model.text_model.encoder.layers.0.self_attn.q_proj"

  @Test func missingFolderAndFiles() throws {
    let dir = try Self.copyOfAdapter()
    #expect(try Self.loadError(dir.appendingPathComponent("nope")).contains("nope: no such adapter folder"))
    try FileManager.default.removeItem(at: dir.appendingPathComponent("adapter_model.safetensors"))
    let noWeights = try Self.loadError(dir)
    #expect(noWeights.contains("adapter/adapter_model.safetensors: no such file"), "\(noWeights)")
    try Data().write(to: dir.appendingPathComponent("adapter_model.bin"))
    #expect(try Self.loadError(dir).contains("safe_serialization=True"))
    try FileManager.default.removeItem(at: dir.appendingPathComponent("adapter_config.json"))
    #expect(try Self.loadError(dir).contains("adapter/adapter_config.json: no such file"))
  }

  @Test func badConfigs() throws {
    let dir = try Self.copyOfAdapter()
    let config = dir.appendingPathComponent("adapter_config.json")
    try Data("{\"peft_type\": \"LORA\", ".utf8).write(to: config)
    let bad = try Self.loadError(dir)
    #expect(bad.contains("adapter_config.json: not valid JSON"), "\(bad)")

    let cases: [(String, (inout [String: Any]) -> Void)] = [
      ("peft_type is 'IA3'; only LORA adapters are supported", { $0["peft_type"] = "IA3" }),
      ("'use_dora' is set: DoRA is not supported", { $0["use_dora"] = true }),
      ("'rank_pattern' is set", { $0["rank_pattern"] = ["q_proj": 8] }),
      ("'bias' is all", { $0["bias"] = "all" }),
      ("'r' must be an integer", { $0["r"] = "four" }),
      ("LoRA rank r must be positive, got 0", { $0["r"] = 0 }),
      ("'target_modules' is null", { $0["target_modules"] = NSNull() }),
      ("target module 'qkv' matches no Linear layer", { $0["target_modules"] = ["q_proj", "qkv"] }),
    ]
    for (expected, edit) in cases {
      let fresh = try Self.copyOfAdapter()
      try Self.editConfig(fresh, edit)
      let message = try Self.loadError(fresh)
      #expect(message.contains("adapter/adapter_config.json: ") && message.contains(expected), "\(message)")
    }
  }

  @Test func weightsThatDoNotFitTheModel() throws {
    let cases: [(String, (inout [String: Tensor]) -> Void)] = [
      ("has weights for module 'text_model.encoder.layers.7.mlp.fc1', which this model does not have", {
        $0["base_model.model.text_model.encoder.layers.7.mlp.fc1.lora_A.weight"] = Tensor(zeros: [4, 32])
        $0["base_model.model.text_model.encoder.layers.7.mlp.fc1.lora_B.weight"] = Tensor(zeros: [64, 4])
      }),
      ("tensor '\(Self.q0).lora_A.weight' has shape [5, 32] but module 'text_model.encoder.layers.0.self_attn.q_proj' (32 → 32) with r = 4 from adapter_config.json needs [4, 32]", {
        $0["\(Self.q0).lora_A.weight"] = Tensor(zeros: [5, 32])
      }),
      ("module 'text_model.encoder.layers.0.self_attn.q_proj' has lora_A but no lora_B", {
        $0["\(Self.q0).lora_B.weight"] = nil
      }),
      ("has no weights for module 'text_model.encoder.layers.0.self_attn.q_proj', which target_modules", {
        $0["\(Self.q0).lora_A.weight"] = nil
        $0["\(Self.q0).lora_B.weight"] = nil
      }),
      ("unexpected tensor '\(Self.q0).lora_magnitude_vector'", {
        $0["\(Self.q0).lora_magnitude_vector"] = Tensor(zeros: [32])
      }),
      ("has weights for module 'visual_projection', which target_modules", {
        $0["base_model.model.visual_projection.lora_A.weight"] = Tensor(zeros: [4, 48])
        $0["base_model.model.visual_projection.lora_B.weight"] = Tensor(zeros: [24, 4])
      }),
    ]
    for (expected, edit) in cases {
      let dir = try Self.copyOfAdapter()
      try Self.editWeights(dir, edit)
      let message = try Self.loadError(dir)
      #expect(message.contains("adapter/adapter_model.safetensors: ") && message.contains(expected), "\(message)")
    }
  }

  @Test func rankInConfigMustMatchTheWeights() throws {
    let dir = try Self.copyOfAdapter()
    try Self.editConfig(dir) { $0["r"] = 8 }
    let message = try Self.loadError(dir)
    #expect(message.contains("has shape [4, 48]") && message.contains("with r = 8"), "\(message)")
  }
}
