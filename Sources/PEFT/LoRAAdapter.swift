import CLIP
import Layers

/// A LoRA adapter attached to a model (`CLIPModel`, the captioner) (made by `LoRA.apply` or `LoRA.load`): its layers,
/// their parameters, counts, saving in PEFT's format, merging into the base.
public final class LoRAAdapter {
  public let config: LoRAConfig
  public let model: LoRAHost
  /// The wrapped layers in model order; empty after `merge()` or `remove()`.
  public private(set) var layers: [LoRALinear]
  /// The stream every layer's dropout draws from (save `state` to checkpoint it).
  public let dropoutRNG: DropoutRNG
  /// Recorded as `base_model_name_or_path` when saving (a hub id or the base model's folder).
  public var baseModelNameOrPath: String?

  init(config: LoRAConfig, model: LoRAHost, layers: [LoRALinear], dropoutRNG: DropoutRNG,
       baseModelNameOrPath: String? = nil) {
    self.config = config
    self.model = model
    self.layers = layers
    self.dropoutRNG = dropoutRNG
    self.baseModelNameOrPath = baseModelNameOrPath
  }

  /// Every lora_A and lora_B, layer by layer (what an optimizer updates).
  public var parameters: [Parameter] { layers.flatMap(\.loraParameters) }

  /// HF module names of the adapted layers.
  public var moduleNames: [String] { layers.map(\.moduleName) }

  /// Trainable and total parameter counts of the whole model, as PEFT's `print_trainable_parameters`.
  public func trainableSummary() -> TrainableSummary { TrainableSummary(model.parameters) }

  /// Folds every update into its base weight (W ← W + scaling · B A) and puts the plain `Linear`
  /// layers back in the model, as PEFT's `merge_and_unload`. The base parameters stay frozen.
  public func merge() { detach { $0.mergeIntoBase() } }

  /// Puts the original base layers back without merging (PEFT's `unload`).
  public func remove() { detach { $0.base } }

  private func detach(_ replacement: (LoRALinear) -> DenseLayer) {
    let mine = Set(layers.map(ObjectIdentifier.init))
    for slot in model.linearSlots {
      if let lora = slot.layer as? LoRALinear, mine.contains(ObjectIdentifier(lora)) {
        slot.replace(with: replacement(lora))
      }
    }
    layers = []
  }
}
