import CLIP
import Foundation
import Layers
import SafeTensors
import Tensors

/// PEFT's adapter folder: `adapter_config.json` + `adapter_model.safetensors` whose tensors are
/// `base_model.model.<module>.lora_A.weight` [r, in] and `base_model.model.<module>.lora_B.weight` [out, r].
public enum AdapterFolder {
  public static let weightsFileName = "adapter_model.safetensors"
  static let keyPrefix = "base_model.model."

  /// The safetensors key of a LoRA matrix (`which` is "lora_A" or "lora_B").
  public static func key(module: String, _ which: String) -> String { "\(keyPrefix)\(module).\(which).weight" }

  /// Splits a key into (module, "lora_A" | "lora_B"), or nil when it is not a LoRA weight key.
  static func parse(_ key: String) -> (module: String, which: String)? {
    guard key.hasPrefix(keyPrefix) else { return nil }
    for which in ["lora_A", "lora_B"] where key.hasSuffix(".\(which).weight") {
      let module = String(key.dropFirst(keyPrefix.count).dropLast(which.count + 8))
      return module.isEmpty ? nil : (module, which)
    }
    return nil
  }
}

extension LoRAAdapter {
  /// Writes `adapter_config.json` and `adapter_model.safetensors` (F32, metadata format=pt) into
  /// `directory` (created if needed), each file atomically, so `PeftModel.from_pretrained` loads it.
  /// `target_modules` is the configured list when the adapter spans both towers with a name list;
  /// otherwise (one tower, or a regex) it is the explicit list of adapted module names, which PEFT
  /// matches exactly.
  public func save(to directory: URL) throws {
    guard !layers.isEmpty else { throw PEFTError(file: directory.path, "nothing to save: the adapter was merged or removed") }
    do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
      throw PEFTError(file: directory.path, "cannot create the adapter folder: \(error.localizedDescription)")
    }
    var saved = config
    var listsNames = false
    if case .names = config.targetModules { listsNames = true }
    if !(listsNames && config.towers == .both) {
      saved.targetModules = .names(moduleNames)
      saved.excludeModules = nil
    }
    saved.towers = .both
    // A module selected only through an alias (transformers 5's in-memory ViT names, e.g. target
    // `q_proj`) is saved under that alias, the name PEFT on transformers 5 looks for.
    var savedName: [String: String] = [:]
    for slot in model.linearSlots {
      if !config.targetModules.matches(slot.name), let alias = slot.aliases.first(where: config.targetModules.matches) {
        savedName[slot.name] = alias
      }
    }
    if case .names = saved.targetModules, !(listsNames && config.towers == .both) {
      saved.targetModules = .names(layers.map { savedName[$0.moduleName] ?? $0.moduleName })
    }
    var tensors: [(name: String, tensor: Tensor)] = []
    for layer in layers {
      let module = savedName[layer.moduleName] ?? layer.moduleName
      tensors.append((AdapterFolder.key(module: module, "lora_A"), layer.loraA.value))
      tensors.append((AdapterFolder.key(module: module, "lora_B"), layer.loraB.value))
    }
    try SafeTensorsWriter.write(tensors, metadata: ["format": "pt"],
                                to: directory.appendingPathComponent(AdapterFolder.weightsFileName))
    var file = AdapterConfigFile(lora: saved, baseModelNameOrPath: baseModelNameOrPath)
    file.fanInFanOut = layers.contains { $0.base.weightIsTransposed }
    file.baseModelClass = model.peftBaseModelClass
    try file.write(to: directory.appendingPathComponent(AdapterConfigFile.fileName))
  }
}
