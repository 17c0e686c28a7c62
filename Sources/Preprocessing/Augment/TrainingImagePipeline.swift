import Tensors

/// One training image from decoded pixels to model input: a ``TrainingImageTransform`` followed by
/// the rescale and normalisation of an ``ImagePreprocessor``, giving `[3, H, W]` float32,
/// channel-first. `H × W` is the preprocessor's crop size (its exact resize size when it does not
/// crop).
///
/// All randomness comes from the `rng` the caller passes, so the same RNG state always gives the
/// same output.
public struct TrainingImagePipeline: Sendable {
  /// Supplies the evaluation pipeline (for ``TrainingImageTransform/none``), the output size, and
  /// the rescale factor, mean and std.
  public var preprocessor: ImagePreprocessor
  /// The augmentation.
  public var transform: TrainingImageTransform

  public init(preprocessor: ImagePreprocessor, transform: TrainingImageTransform) {
    self.preprocessor = preprocessor
    self.transform = transform
  }

  /// `(height, width)` of every output, or nil when the preprocessor gives no fixed size
  /// (shortest-edge resize without a center crop), which cannot be batched.
  public var outputSize: (height: Int, width: Int)? {
    if preprocessor.doCenterCrop { return preprocessor.cropSize }
    if preprocessor.doResize, case .exact(let h, let w) = preprocessor.size { return (h, w) }
    return nil
  }

  /// The augmented 8-bit image, before rescaling: `preprocessor.resizedAndCropped(image)` for
  /// `.none`; otherwise a random resized crop to ``outputSize``, then a random horizontal flip.
  public func augmented(_ image: RGBImage, rng: inout SeededRNG) -> RGBImage {
    switch transform {
    case .none:
      return preprocessor.resizedAndCropped(image)
    case .cropFlip(let scale):
      guard let (h, w) = outputSize else {
        preconditionFailure("random resized crop needs a fixed output size (center crop or exact resize)")
      }
      let cropped = RandomResizedCrop(height: h, width: w, scale: scale)(image, rng: &rng)  // [h, w, 3]
      return RandomHorizontalFlip(p: 0.5)(cropped, rng: &rng)
    }
  }

  /// `[3, H, W]` float32: ``augmented(_:rng:)`` rescaled and normalised exactly as the
  /// preprocessor does. With `.none` this equals `preprocessor(image)` bit for bit.
  public func callAsFunction(_ image: RGBImage, rng: inout SeededRNG) -> [Float] {
    let ready = augmented(image, rng: &rng)
    var out = [Float](repeating: 0, count: ready.pixels.count)
    out.withUnsafeMutableBufferPointer { preprocessor.normalize(ready, into: $0.baseAddress!) }
    return out
  }

  /// Writes ``callAsFunction(_:rng:)``'s `[3, H, W]` result into `out`, which must have room for
  /// `3 · H · W` floats. Returns the augmented image's `(height, width)`.
  @discardableResult
  public func write(_ image: RGBImage, rng: inout SeededRNG, into out: UnsafeMutableBufferPointer<Float>) -> (height: Int, width: Int) {
    let ready = augmented(image, rng: &rng)
    precondition(out.count >= ready.pixels.count, "output buffer holds \(out.count) floats, need \(ready.pixels.count)")
    preprocessor.normalize(ready, into: out.baseAddress!)
    return (ready.height, ready.width)
  }
}
