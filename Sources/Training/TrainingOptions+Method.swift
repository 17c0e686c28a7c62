import CLIP
import Layers
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

extension TrainingOptions {
  /// Checks the LoRA settings against `model` before any layer is wrapped: every `--lora-targets`
  /// entry must select a Linear layer in the chosen towers, and `--lora-rank` must not exceed
  /// min(in, out) of any targeted layer (a larger rank only adds parameters that cannot help, and
  /// an absurd one would try to allocate terabytes). Nothing to check for `--method full` or when
  /// starting from `--adapter` (its own config is checked when it loads).
  public func checkLoRA(against model: CLIPModel) throws {
    guard method == .lora, initialAdapter == nil else { return }
    let slots: [LinearSlot]
    do { slots = try LoRA.targets(loraConfig, in: model) } catch let error as PEFTError {
      throw TrainingError("--lora-targets: \(error.message)")
    }
    var smallest: (size: Int, name: String)?
    for slot in slots {
      guard let linear = slot.layer as? Linear else { continue }
      let size = min(linear.inFeatures, linear.outFeatures)
      if smallest == nil || size < smallest!.size { smallest = (size, slot.name) }
    }
    if let smallest, loraRank > smallest.size {
      throw TrainingError("--lora-rank \(loraRank) exceeds \(smallest.size), the smaller side of the targeted layer '\(smallest.name)' (rank must be at most min(in, out) of every targeted layer)")
    }
  }
}
