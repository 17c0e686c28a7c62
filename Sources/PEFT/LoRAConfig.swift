/// Which CLIP towers a PEFT method may touch. The vision tower owns `vision_model.*` and
/// `visual_projection`; the text tower owns `text_model.*` and `text_projection`; `.both` is
/// every module (of a CLIP, both towers; of another model, all of it).
public enum CLIPTowers: String, Sendable, Equatable, CaseIterable, Codable {
  case vision, text, both

  /// Whether the module `moduleName` (a full HF module name) belongs to these towers.
  public func contains(_ moduleName: String) -> Bool {
    let vision = moduleName.hasPrefix("vision_model.") || moduleName == "visual_projection"
    let text = moduleName.hasPrefix("text_model.") || moduleName == "text_projection"
    switch self {
    case .vision: return vision
    case .text: return text
    case .both: return true  // every module, also of models without towers (the captioner)
    }
  }
}

/// Low-rank adaptation settings, the same knobs as PEFT's `LoraConfig`:
/// y = base(x) + scaling · B A dropout(x) with A: [r, in], B: [out, r] and
/// scaling = alpha / r (or alpha / √r with rank-stabilised LoRA).
public struct LoRAConfig: Sendable, Equatable {
  /// The six Linear layers of every CLIP transformer block.
  public static let attentionAndMLP = ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"]

  /// The largest rank accepted (far above useful LoRA ranks, and above any CLIP layer's width).
  public static let maxRank = 16_384

  /// r: the rank of the update (`r`).
  public var rank: Int
  /// The numerator of the scaling (`lora_alpha`).
  public var alpha: Double
  /// Probability of zeroing an input element of the LoRA path while training (`lora_dropout`).
  public var dropout: Double
  /// Modules to adapt (`target_modules`): a list of names / name suffixes, or a regex.
  public var targetModules: ModuleSelector
  /// Modules never to adapt even if targeted (`exclude_modules`), same matching rules.
  public var excludeModules: ModuleSelector?
  /// Towers whose Linear layers may be adapted (not a PEFT setting: saved adapters name the
  /// modules explicitly when this is not `.both`).
  public var towers: CLIPTowers
  /// Rank-stabilised LoRA: scaling alpha / √r instead of alpha / r (`use_rslora`).
  public var useRSLoRA: Bool

  public init(rank: Int = 8, alpha: Double = 8, dropout: Double = 0,
              targetModules: ModuleSelector = .names(LoRAConfig.attentionAndMLP),
              excludeModules: ModuleSelector? = nil, towers: CLIPTowers = .both, useRSLoRA: Bool = false) {
    self.rank = rank
    self.alpha = alpha
    self.dropout = dropout
    self.targetModules = targetModules
    self.excludeModules = excludeModules
    self.towers = towers
    self.useRSLoRA = useRSLoRA
  }

  /// The factor on the low-rank update: alpha / r, or alpha / √r when `useRSLoRA`.
  public var scaling: Double { useRSLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank) }

  /// Checks the numbers and the selectors (not yet against a model; see `LoRA.targets`).
  public func validate() throws {
    guard rank > 0 else { throw PEFTError("LoRA rank r must be positive, got \(rank)") }
    guard rank <= Self.maxRank else { throw PEFTError("LoRA rank r is \(rank), above the limit of \(Self.maxRank)") }
    guard alpha.isFinite, alpha >= 0 else { throw PEFTError("lora_alpha must be a finite number ≥ 0, got \(alpha)") }
    guard dropout >= 0, dropout < 1 else { throw PEFTError("lora_dropout must be in [0, 1), got \(dropout)") }
    try targetModules.validate(field: "target_modules")
    try excludeModules?.validate(field: "exclude_modules")
  }

  /// Whether this config adapts the module `moduleName`: inside the towers, targeted, not excluded.
  public func selects(_ moduleName: String) -> Bool {
    towers.contains(moduleName) && targetModules.matches(moduleName) && !(excludeModules?.matches(moduleName) ?? false)
  }
}
