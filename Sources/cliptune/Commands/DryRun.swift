import Captioning
import CLIP
import Foundation
import PEFT
import Training

/// `train --dry-run`: the trainable-parameter summary of a configuration, without data or training.
enum DryRun {
  static func print(_ o: TrainingOptions) throws {
    let dir = URL(fileURLWithPath: o.model)
    let model: LoRAHost  // shapes are all a count needs
    switch o.task {
    case .retrieval: model = CLIPModel(try CLIPConfig(contentsOf: dir.appendingPathComponent("config.json")))
    case .captioning: model = CaptionModel(try VisionEncoderDecoderConfig(contentsOf: dir.appendingPathComponent("config.json")))
    }
    switch o.method {
    case .lora:
      try o.checkLoRA(against: model)
      let adapter = try LoRA.apply(o.loraConfig, to: model, seed: o.seed)
      Swift.print(adapter.trainableSummary())
    case .full:
      if let clip = model as? CLIPModel { o.applyFreeze(to: clip) }
      if let captioner = model as? CaptionModel { o.applyFreeze(to: captioner) }
      Swift.print(TrainableSummary(model.parameters))
    }
  }
}
