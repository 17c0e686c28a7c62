/// The methods of the few-shot study, as `--method` spells them.
public enum FewShotMethod: String, Codable, Sendable, CaseIterable {
  case zeroShot = "zero-shot"
  case linearProbe = "linear-probe"
  case clipAdapter = "clip-adapter"
  case vptShallow = "vpt-shallow"
  case vptDeep = "vpt-deep"
  case coop
  case tipAdapter = "tip-adapter"
  case tipAdapterF = "tip-adapter-f"
  case lora

  /// True for methods trained by gradient steps (the rest are fitted or training-free).
  public var trainsByGradient: Bool {
    switch self {
    case .zeroShot, .linearProbe, .tipAdapter: return false
    default: return true
    }
  }

  /// True when the method leaves the vision tower and projection as they are, so projected image
  /// features can be computed once and cached (without augmentation).
  public var keepsImageTower: Bool {
    switch self {
    case .vptShallow, .vptDeep, .lora: return false
    default: return true
    }
  }

  /// The heads the method can use; the first is its default.
  public var heads: [FewShotHeadKind] {
    switch self {
    case .zeroShot, .coop, .tipAdapter, .tipAdapterF: return [.visionLanguage]
    case .linearProbe: return [.vision]
    case .clipAdapter, .vptShallow, .vptDeep, .lora: return [.visionLanguage, .vision]
    }
  }
}

/// `--head`: what turns image features into class scores.
public enum FewShotHeadKind: String, Codable, Sendable, CaseIterable {
  /// Cosine similarity × exp(logit_scale) with the class-name prompts' text embeddings.
  case visionLanguage = "vision-language"
  /// A linear layer (weight and bias) on the image features.
  case vision
}
