/// Which caption(s) of an image a training epoch uses.
public enum CaptionSampling: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
  /// One sample per image per epoch, its caption drawn uniformly from the image's captions, afresh
  /// each epoch, from an RNG seeded by (seed, epoch, image): independent of order and batch size.
  case random
  /// One sample per image: its first caption.
  case first
  /// Every (image, caption) pair is a sample (an image with 5 captions appears 5 times an epoch).
  case all
}
