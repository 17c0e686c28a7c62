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
      try o.checkLoRA(against: model)
      let adapter = try LoRA.apply(o.loraConfig, to: model, seed: o.seed)
      Swift.print(adapter.trainableSummary())
    case .full:
      o.applyFreeze(to: model)
      Swift.print(TrainableSummary(model.parameters))
    }
  }
}
