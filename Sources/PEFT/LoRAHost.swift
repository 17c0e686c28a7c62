import CLIP
import Foundation
import Layers

/// A model LoRA can adapt: its dense layers in named slots (model order) and its parameters.
/// `CLIPModel` is one; the captioner (`CaptionModel`) is another.
public protocol LoRAHost: ParameterContainer {
  /// Every place that holds a dense layer (`Linear`, `Conv1D`, or one already wrapped by LoRA),
  /// with its HF module name, in model order.
  var linearSlots: [LinearSlot] { get }
  /// `auto_mapping` in a saved adapter_config.json: transformers' class of the base model and
  /// the module defining it.
  var peftBaseModelClass: (name: String, library: String) { get }
  /// Each parameter under its checkpoint name, as `model.safetensors` holds them (a tied weight once).
  var checkpointParameters: [Parameter] { get }
  /// Writes the model's `config.json` (what `MergedCheckpoint` puts beside the weights).
  func writeConfig(to url: URL) throws
}

extension CLIPModel: LoRAHost {
  public var peftBaseModelClass: (name: String, library: String) {
    ("CLIPModel", "transformers.models.clip.modeling_clip")
  }

  public func writeConfig(to url: URL) throws { try config.write(to: url) }
}
