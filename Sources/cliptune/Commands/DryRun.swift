import CLIP
import Foundation
import PEFT
import Training

/// `train --dry-run`: the trainable-parameter summary of a configuration, without data or training.
enum DryRun {
  static func print(_ o: TrainingOptions) throws {
    let dir = URL(fileURLWithPath: o.model)
    let config = try CLIPConfig(contentsOf: dir.appendingPathComponent("config.json"))
    let model = CLIPModel(config)  // shapes are all a count needs
    switch o.method {
    case .lora:
      let adapter = try LoRA.apply(LoRAConfig(rank: o.loraRank, alpha: o.loraAlpha, dropout: o.loraDropout,
                                              targetModules: o.loraTargetRegex.map { .pattern($0) } ?? .names(o.loraTargets),
                                              towers: o.towers.count == 2 ? .both : (o.towers[0] == "vision" ? .vision : .text),
                                              useRSLoRA: o.rsLoRA), to: model, seed: o.seed)
      Swift.print(adapter.trainableSummary())
    case .full:
      for p in model.parameters {
        let vision = p.name.hasPrefix("vision_model.") || p.name.hasPrefix("visual_projection.")
        let text = p.name.hasPrefix("text_model.") || p.name.hasPrefix("text_projection.")
        p.trainable = !(vision && o.freeze.contains("vision")) && !(text && o.freeze.contains("text"))
      }
      Swift.print(TrainableSummary(model.parameters))
    }
  }
}
