import Captioning
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
  /// The most adapter parameters `checkLoRA` accepts, as a multiple of the model's own.
  public static let maxAdapterToModelRatio = 16

  /// Checks the LoRA settings against `model` before any layer is wrapped: every `--lora-targets`
  /// entry must select a Linear layer in the chosen towers, and the adapter `--lora-rank` makes
  /// (rank × (in + out) per targeted layer) must not exceed `maxAdapterToModelRatio` times the
  /// model's own parameter count, so an absurd rank is an error before anything is allocated
  /// (a rank above min(in, out) is allowed, as PEFT allows it, within that bound). Nothing to
  /// check for `--method full` or when starting from `--adapter` (checked when it loads).
  public func checkLoRA(against model: LoRAHost) throws {
    guard method == .lora, initialAdapter == nil else { return }
    let slots: [LinearSlot]
    do { slots = try LoRA.targets(loraConfig, in: model) } catch let error as PEFTError {
      throw TrainingError("--lora-targets: \(error.message)")
    }
    // rank ≤ 4096 (validate) and layer sides ≤ 2³⁰ keep every product far from overflowing.
    let modelCount = model.parameters.reduce(0) { $0 + min($1.value.count, 1 << 40) }
    var adapterCount = 0
    for slot in slots {
      guard let linear = slot.layer as? DenseLayer else { continue }
      adapterCount += loraRank * (min(linear.inFeatures, 1 << 30) + min(linear.outFeatures, 1 << 30))
    }
    let limit = Self.maxAdapterToModelRatio * modelCount
    if adapterCount > limit {
      throw TrainingError("--lora-rank \(loraRank) makes \(adapterCount) adapter parameters, more than \(Self.maxAdapterToModelRatio) times the model's \(modelCount); lower --lora-rank or --lora-targets")
    }
  }
}

extension TrainingOptions {
  /// Full fine-tuning of a captioner: every parameter trains except those `freeze` names:
  /// `encoder` (the ViT and `enc_to_dec_proj`) and `decoder` (GPT-2).
  public func applyFreeze(to model: CaptionModel) {
    for p in model.parameters {
      p.trainable = !freeze.contains(p.name.hasPrefix("decoder.") ? "decoder" : "encoder")
    }
  }
}
