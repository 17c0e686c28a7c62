import CLIP
import Foundation
import Layers
import SafeTensors
import Tensors

extension LoRA {
  /// Loads a PEFT LoRA adapter folder (written by PEFT's `save_pretrained` or by `LoRAAdapter.save`)
  /// onto `model`: reads `adapter_config.json` (target_modules as a list or a regex; unknown keys
  /// ignored) and `adapter_model.safetensors` (F32, F16 or BF16), checks that the weights cover
  /// exactly the modules the config selects with the right shapes, freezes the base and wraps
  /// those layers. The LoRA matrices train only if `trainable` (PEFT's `is_trainable`). Errors
  /// name the file and the module or tensor at fault. LoRA matrices holding NaN or ±Inf throw
  /// ``NonfiniteWeightsError`` unless `allowNonfinite` (then `warn` is told).
  @discardableResult
  public static func load(adapterDirectory dir: URL, onto model: LoRAHost, trainable: Bool = false,
                          dropoutRNG: DropoutRNG? = nil, allowNonfinite: Bool = false,
                          warn: (String) -> Void = CLIPModel.warnOnStandardError) throws -> LoRAAdapter {
    switch InputFile.kind(dir.path) {
    case .directory?: break
    case nil: throw PEFTError(file: dir.path, "no such adapter folder")
    default: throw PEFTError(file: dir.path, "is a file, not an adapter folder (adapter_config.json + adapter_model.safetensors)")
    }
    let configURL = dir.appendingPathComponent(AdapterConfigFile.fileName)
    let config = try AdapterConfigFile(contentsOf: configURL)
    let weightsURL = dir.appendingPathComponent(AdapterFolder.weightsFileName)
    guard InputFile.kind(weightsURL.path) != nil else {
      let hasBin = InputFile.kind(dir.appendingPathComponent("adapter_model.bin").path) != nil
      throw PEFTError(file: weightsURL.path, hasBin
        ? "missing; the folder has adapter_model.bin (a PyTorch pickle), which ClipTune does not read: re-save with safe_serialization=True"
        : "no such file (an adapter folder needs adapter_model.safetensors)")
    }
    let weights = try SafeTensorsFile(contentsOf: weightsURL)
    let pairs = try loraPairs(in: weights, model: model)

    let slots: [LinearSlot]
    do { slots = try targets(config.lora, in: model) } catch let e as PEFTError { throw PEFTError(file: configURL.path, e.message) }
    let selected = Set(slots.map(\.name))
    if let extra = pairs.keys.sorted().first(where: { !selected.contains($0) }) {
      throw PEFTError(file: weightsURL.path, "has weights for module '\(extra)', which target_modules \(config.lora.targetModules) in \(AdapterConfigFile.fileName) does not select")
    }
    if let lacking = slots.first(where: { pairs[$0.name] == nil }) {
      throw PEFTError(file: weightsURL.path, "has no weights for module '\(lacking.name)', which target_modules \(config.lora.targetModules) in \(AdapterConfigFile.fileName) selects")
    }

    let r = config.lora.rank
    var tensors: [(Tensor, Tensor)] = []
    var bases: [DenseLayer] = []
    var nonfinite: [(name: String, count: Int)] = []
    for slot in slots {
      guard let base = slot.layer as? DenseLayer, let pair = pairs[slot.name] else {
        throw PEFTError(file: dir.path, "module '\(slot.name)' is already adapted; load one adapter per model")
      }
      let (a, b) = pair
      // Shapes from the header first, so nothing is read or allocated for a mismatched file.
      for (key, want) in [(a, [r, base.inFeatures]), (b, [base.outFeatures, r])] {
        let found = weights.info(key)?.shape ?? []
        guard found == want else {
          throw PEFTError(file: weightsURL.path, "tensor '\(key)' has shape \(found) but module '\(slot.name)' (\(base.inFeatures) → \(base.outFeatures)) with r = \(r) from \(AdapterConfigFile.fileName) needs \(want)")
        }
      }
      let A = try weights.tensor(a), B = try weights.tensor(b)
      for (key, t) in [(a, A), (b, B)] where t.nonfiniteCount > 0 { nonfinite.append((key, t.nonfiniteCount)) }
      tensors.append((A, B))
      bases.append(base)
    }
    if !nonfinite.isEmpty {
      let error = NonfiniteWeightsError(file: weightsURL.path, tensors: nonfinite)
      if allowNonfinite { warn(error.description) } else { throw error }
    }

    let rng = dropoutRNG ?? DropoutRNG(seed: 0)
    model.setTrainable(false)
    var layers: [LoRALinear] = []
    for ((slot, base), (A, B)) in zip(zip(slots, bases), tensors) {
      let layer = LoRALinear(wrapping: base, loraA: A, loraB: B, scaling: Float(config.lora.scaling),
                             dropout: Float(config.lora.dropout), dropoutRNG: rng)
      layer.loraA.trainable = trainable
      layer.loraB.trainable = trainable
      slot.replace(with: layer)
      layers.append(layer)
    }
    return LoRAAdapter(config: config.lora, model: model, layers: layers, dropoutRNG: rng,
                       baseModelNameOrPath: config.baseModelNameOrPath)
  }

  /// module → (lora_A key, lora_B key) for every tensor of an adapter file; throws for keys that are
  /// not LoRA weights, modules the model lacks and incomplete pairs.
  static func loraPairs(in file: SafeTensorsFile, model: LoRAHost) throws -> [String: (String, String)] {
    let fileName = file.url.path
    var canonical: [String: String] = [:]  // every name a slot goes by → its own
    for slot in model.linearSlots { for n in slot.allNames { canonical[n] = slot.name } }
    var found: [String: (a: String?, b: String?)] = [:]
    for key in file.names {
      guard let (named, which) = AdapterFolder.parse(key) else {
        throw PEFTError(file: fileName, "unexpected tensor '\(key)': a LoRA adapter holds only base_model.model.<module>.lora_A.weight and .lora_B.weight")
      }
      guard let module = canonical[named] else {
        let example = model.linearSlots.first?.name ?? ""
        throw PEFTError(file: fileName, "has weights for module '\(named)', which this model does not have as a Linear or Conv1D layer (its Linear layers are named like '\(example)')")
      }
      if which == "lora_A" { found[module, default: (nil, nil)].a = key } else { found[module, default: (nil, nil)].b = key }
    }
    guard !found.isEmpty else { throw PEFTError(file: fileName, "holds no LoRA weights") }
    var pairs: [String: (String, String)] = [:]
    for (module, keys) in found.sorted(by: { $0.key < $1.key }) {
      guard let a = keys.a, let b = keys.b else {
        let missing = keys.a == nil ? "lora_A" : "lora_B"
        throw PEFTError(file: fileName, "module '\(module)' has \(missing == "lora_A" ? "lora_B" : "lora_A") but no \(missing) (missing '\(AdapterFolder.key(module: module, missing))')")
      }
      pairs[module] = (a, b)
    }
    return pairs
  }
}
