/// How training images are turned into model inputs before rescaling and normalisation.
public enum TrainingImageTransform: Sendable, Equatable, Hashable, Codable {
  /// No augmentation: exactly the evaluation preprocessing (``ImagePreprocessor``: shortest-edge
  /// resize, then center crop). Draws nothing from the RNG.
  case none
  /// ``RandomResizedCrop`` with area fraction in `scale` and torchvision's default aspect-ratio range
  /// (3/4 to 4/3), resized bicubic to the crop size, then ``RandomHorizontalFlip`` with p = 0.5.
  /// The crop is open_clip's training transform (its default scale is ``openCLIPScale``); open_clip
  /// does not flip by default, this does. Draws from the RNG: the crop (area, ratio, top, left per
  /// attempt), then one draw for the flip.
  case cropFlip(scale: ClosedRange<Double>)

  /// open_clip's training default, `AugmentationCfg.scale = (0.9, 1.0)`.
  public static let openCLIPScale: ClosedRange<Double> = 0.9...1.0
}
