import Tensors

/// torchvision's `RandomHorizontalFlip(p)`: mirrors the image left–right when a uniform draw in
/// [0, 1) is below `probability` (`torch.rand(1) < p`), otherwise returns it unchanged.
public struct RandomHorizontalFlip: Sendable, Equatable {
  /// Chance of flipping.
  public var probability: Double

  /// Flips with probability `p` (torchvision's default 0.5).
  public init(p: Double = 0.5) {
    precondition(p >= 0 && p <= 1, "flip probability must be in [0, 1], got \(p)")
    probability = p
  }

  /// Draws once from `rng`: whether this image is flipped.
  public func shouldFlip(rng: inout SeededRNG) -> Bool {
    RandomDraw.unit(&rng) < probability
  }

  /// `image`, mirrored left–right with probability `probability`.
  public func callAsFunction(_ image: RGBImage, rng: inout SeededRNG) -> RGBImage {
    shouldFlip(rng: &rng) ? image.flippedHorizontally() : image
  }
}

extension RGBImage {
  /// This image mirrored left–right (Pillow's `FLIP_LEFT_RIGHT`, torchvision's `F.hflip`): the
  /// pixel at column `x` moves to column `width - 1 - x`.
  public func flippedHorizontally() -> RGBImage {
    applying(.upMirrored)
  }
}
