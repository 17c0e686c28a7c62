import Preprocessing

/// Settings of a ``TrainingBatches`` stream. Codable, so a run can record them next to its
/// checkpoints; together with a ``TrainingBatchPosition`` they determine every batch exactly.
public struct TrainingBatchOptions: Sendable, Equatable, Codable {
  /// Samples per batch (B).
  public var batchSize: Int
  /// Seeds every random choice: shuffle order, caption picks, crops and flips.
  public var seed: UInt64
  /// Shuffle samples each epoch (a fresh permutation per epoch); false keeps file order.
  public var shuffle: Bool
  /// Which captions make samples.
  public var captions: CaptionSampling
  /// Drop the last, incomplete batch of each epoch (open_clip does, so every step has B pairs).
  public var dropLast: Bool
  /// Image augmentation.
  public var transform: TrainingImageTransform
  /// Token ids per caption at most (start and end tokens included; CLIP's 77).
  public var contextLength: Int
  /// Batches prepared ahead on background threads; 0 prepares each batch on demand in `next()`.
  public var prefetch: Int
  /// Batches per epoch are rounded down to a multiple of this, and the rest of the epoch is
  /// dropped (as open_clip's `accum_freq` does), so groups of this many consecutive batches, the
  /// micro-batches of one accumulated optimiser step, never straddle two epochs.
  public var batchesPerEpochMultiple: Int

  public init(batchSize: Int, seed: UInt64 = 0, shuffle: Bool = true, captions: CaptionSampling = .random,
              dropLast: Bool = true, transform: TrainingImageTransform = .none, contextLength: Int = 77,
              prefetch: Int = 2, batchesPerEpochMultiple: Int = 1) {
    self.batchSize = batchSize
    self.seed = seed
    self.shuffle = shuffle
    self.captions = captions
    self.dropLast = dropLast
    self.transform = transform
    self.contextLength = contextLength
    self.prefetch = prefetch
    self.batchesPerEpochMultiple = batchesPerEpochMultiple
  }
}
