import CLIP
import Layers
import Tensors

/// Adds LoRA to a model (`CLIPModel`, the captioner): freezes the base, wraps the selected dense
/// layers (`Linear`, GPT-2 `Conv1D`) in `LoRALinear`.
public enum LoRA {
  /// Freezes every base parameter (embeddings, LayerNorms, projections, logit scale, …) and
  /// replaces each Linear layer `config` selects with a `LoRALinear`: A kaiming-uniform from
  /// `SeededRNG(seed:)` (layer by layer in model order), B zero, so outputs are unchanged until B
  /// trains. Dropout masks come from `dropoutRNG` (by default a stream derived from `seed`).
  /// Throws for an invalid config or a target that matches nothing (see `targets`).
  @discardableResult
  public static func apply(_ config: LoRAConfig, to model: LoRAHost, seed: UInt64,
                           dropoutRNG: DropoutRNG? = nil) throws -> LoRAAdapter {
    let slots = try targets(config, in: model)
    let rng = dropoutRNG ?? DropoutRNG(seed: seed ^ 0xD1B5_4A32_D192_ED03)
    var initRNG = SeededRNG(seed: seed)
    model.setTrainable(false)
    let layers = slots.map { slot -> LoRALinear in
      let layer = LoRALinear(wrapping: slot.layer as! DenseLayer, rank: config.rank, scaling: Float(config.scaling),
                             dropout: Float(config.dropout), dropoutRNG: rng, rng: &initRNG)
      slot.replace(with: layer)
      return layer
    }
    return LoRAAdapter(config: config, model: model, layers: layers, dropoutRNG: rng)
  }

  /// The Linear layers `config` selects in `model`, in model order. Throws when the config is
  /// invalid, when a target (a list entry, or the regex) matches no Linear layer in the chosen
  /// towers (naming it and listing the module names there are), when everything targeted is
  /// excluded, or when a selected layer is already adapted.
  public static func targets(_ config: LoRAConfig, in model: LoRAHost) throws -> [LinearSlot] {
    try config.validate()
    let candidates = model.linearSlots.filter { config.towers.contains($0.name) }
    let names = candidates.flatMap(\.allNames)
    let where_ = config.towers != .both ? "the \(config.towers.rawValue) tower"
      : model is CLIPModel ? "the vision and text towers" : "the model"
    if let missing = config.targetModules.unmatched(in: names).first {
      var suffixes: [String] = []
      for s in candidates.map(\.suffix) where !suffixes.contains(s) { suffixes.append(s) }
      let kind: String
      if case .pattern = config.targetModules { kind = "target_modules regex '\(missing)' (matched against whole module names such as '\(names.first ?? "")')" }
      else { kind = "target module '\(missing)'" }
      throw PEFTError("\(kind) matches no Linear layer in \(where_); available module names: \(suffixes.joined(separator: ", "))")
    }
    let selected = candidates.filter { $0.allNames.contains(where: config.selects) }
    guard !selected.isEmpty else {
      let exclude = config.excludeModules.map { "\($0)" } ?? "none"
      throw PEFTError("every module target_modules \(config.targetModules) selects is excluded by exclude_modules \(exclude)")
    }
    for slot in selected where !(slot.layer is DenseLayer) {
      let what = slot.layer is LoRALinear ? "already has a LoRA adapter (merge or remove it first)" : "is not a plain Linear or Conv1D layer"
      throw PEFTError("module '\(slot.name)' \(what)")
    }
    return selected
  }
}
