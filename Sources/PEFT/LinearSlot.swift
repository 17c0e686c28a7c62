import CLIP
import Layers

/// One place in a model (`LoRAHost`) that holds a `LinearLayer` (an attention projection, an MLP
/// layer, a tower projection, a GPT-2 Conv1D), with its HF module name and a way to swap the layer there.
public struct LinearSlot {
  /// HF module name, e.g. `vision_model.encoder.layers.3.mlp.fc1` or `visual_projection`.
  public let name: String
  /// Other full names the same module goes by, which target_modules and adapter keys may use:
  /// transformers 5 names ViT modules in memory (`encoder.layers.0.attention.q_proj`) unlike its
  /// checkpoints (`encoder.encoder.layer.0.attention.attention.query`), and PEFT uses the former.
  public let aliases: [String]
  private let read: () -> LinearLayer
  private let write: (LinearLayer) -> Void

  public init(name: String, aliases: [String] = [], read: @escaping () -> LinearLayer, write: @escaping (LinearLayer) -> Void) {
    self.name = name
    self.aliases = aliases
    self.read = read
    self.write = write
  }

  /// The name and the aliases.
  public var allNames: [String] { [name] + aliases }

  /// The layer in this place now.
  public var layer: LinearLayer { read() }
  /// Puts `layer` in this place.
  public func replace(with layer: LinearLayer) { write(layer) }

  /// The last dotted component of the name (`fc1`, `q_proj`, `visual_projection`).
  public var suffix: String { String(name.split(separator: ".").last ?? Substring(name)) }

  /// The HF module name of `layer`: the wrapped module's for LoRA, else its weight's name less `.weight`.
  public static func moduleName(of layer: LinearLayer) -> String? {
    if let lora = layer as? LoRALinear { return lora.moduleName }
    guard let weight = (layer as? DenseLayer)?.weight ?? layer.parameters.first else { return nil }
    return weight.name.hasSuffix(".weight") ? String(weight.name.dropLast(7)) : nil
  }
}

extension CLIPModel {
  /// Every Linear-like layer in model order (vision blocks, visual projection, text blocks, text
  /// projection); each block gives q, k, v, out projections, then fc1, fc2.
  public var linearSlots: [LinearSlot] {
    func blockSlots(_ blocks: [TransformerBlock]) -> [LinearSlot] {
      blocks.flatMap { block -> [LinearSlot] in
        let a = block.attention, m = block.mlp
        return [
          slot({ a.qProj }, { a.qProj = $0 }), slot({ a.kProj }, { a.kProj = $0 }),
          slot({ a.vProj }, { a.vProj = $0 }), slot({ a.outProj }, { a.outProj = $0 }),
          slot({ m.fc1 }, { m.fc1 = $0 }), slot({ m.fc2 }, { m.fc2 = $0 }),
        ]
      }
    }
    return blockSlots(vision.blocks) + [slot({ self.visualProjection }, { self.visualProjection = $0 })]
      + blockSlots(text.blocks) + [slot({ self.textProjection }, { self.textProjection = $0 })]
  }

  func slot(_ read: @escaping () -> LinearLayer, _ write: @escaping (LinearLayer) -> Void) -> LinearSlot {
    LinearSlot(name: LinearSlot.moduleName(of: read()) ?? "?", read: read, write: write)
  }
}
