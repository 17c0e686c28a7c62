import CLIP
import PEFT

extension TrainingOptions {
  /// The LoRA configuration these options describe (`--lora-*`, `--towers`, `--rslora`).
  public var loraConfig: LoRAConfig {
    LoRAConfig(rank: loraRank, alpha: loraAlpha, dropout: loraDropout,
               targetModules: loraTargetRegex.map { .pattern($0) } ?? .names(loraTargets),
               towers: towers.count == 2 ? .both : (towers[0] == "vision" ? .vision : .text),
               useRSLoRA: rsLoRA)
  }

  /// Full fine-tuning: every parameter trains except those of the towers in `freeze` (as
  /// `CLIPTowers` assigns modules to towers); `logit_scale` belongs to neither and always trains.
  public func applyFreeze(to model: CLIPModel) {
    let frozen = freeze.compactMap(CLIPTowers.init(rawValue:))
    for p in model.parameters {
      let module = p.name.split(separator: ".").dropLast().joined(separator: ".")
      p.trainable = !frozen.contains { $0.contains(module) }
    }
  }
}
