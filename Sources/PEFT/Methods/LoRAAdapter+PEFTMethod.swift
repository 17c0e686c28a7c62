import Layers

/// LoRA under the common method contract: its tensors under PEFT's keys
/// (`base_model.model.<module>.lora_A.weight`, `….lora_B.weight`), layer by layer; its files are
/// PEFT adapter folders (`save(to:)`, `LoRA.load`), not the plain tensor file other methods write.
extension LoRAAdapter: PEFTMethod {
  public var methodName: String { "lora" }
  public var namedTensors: [(key: String, parameter: Parameter)] {
    layers.flatMap { layer in
      [(AdapterFolder.key(module: layer.moduleName, "lora_A"), layer.loraA),
       (AdapterFolder.key(module: layer.moduleName, "lora_B"), layer.loraB)]
    }
  }
  public var dropoutStream: DropoutRNG? { dropoutRNG }
  public var changesImageTower: Bool { layers.contains { CLIPTowers.vision.contains($0.moduleName) } }
  public var changesTextTower: Bool { layers.contains { CLIPTowers.text.contains($0.moduleName) } }
}
