import Foundation
import Preprocessing
import Tensors

/// Epoch-based batches of (image, caption) pairs from a ``RetrievalDataset`` for contrastive
/// training, prepared on background threads.
///
/// ```swift
/// let batches = try TrainingBatches(dataset: data, tokenizer: tokenizer, preprocessor: preprocessor,
///                                   options: TrainingBatchOptions(batchSize: 32, seed: 42, transform: .cropFlip(scale: 0.9...1.0)))
/// batches.position = checkpoint.dataPosition          // resume exactly where a run stopped
/// while batches.position.epoch < epochs {
///   let batch = try batches.next()                     // [B, 3, S, S] pixels + token ids
///   …
/// }
/// ```
///
/// **Deterministic.** The batch at a ``TrainingBatchPosition`` depends only on the dataset, the
/// options (seed included) and that position: the shuffle order comes from an RNG seeded by
/// (seed, epoch), the caption pick by (seed, epoch, image), the crop and flip by
/// (seed, epoch, image, caption), never from a stream shared between threads. Prefetching, thread
/// timing and the batches made before never change a batch's bits.
///
/// **Resumable.** ``position`` is the batch ``next()`` returns next; read it into a checkpoint and
/// set it back to continue the stream exactly.
///
/// **Background work.** With `options.prefetch > 0`, a producer thread decodes, augments and
/// tokenises up to `prefetch` batches ahead (the images of one batch in parallel), starting at the
/// first ``next()``. A failing image (missing, truncated, corrupt) throws its `ImageError`, which
/// names the file, from the ``next()`` that would have returned its batch; the position stays put,
/// so calling ``next()`` again retries it and setting ``position`` skips it. Dropping the object (or
/// ``close()``) stops the producer promptly; no thread outlives it.
///
/// One consumer at a time: do not call ``next()`` from several threads at once.
public final class TrainingBatches {
  /// The settings.
  public let options: TrainingBatchOptions
  /// Samples in each epoch: images with at least one caption (`.first`, `.random`) or
  /// (image, caption) pairs (`.all`).
  public let samplesPerEpoch: Int
  /// Batches in each epoch: `samplesPerEpoch / batchSize`, rounded down with drop-last, up without,
  /// then down to a multiple of `batchesPerEpochMultiple`.
  public let stepsPerEpoch: Int
  /// `[3, H, W]` of each image in a batch.
  public let imageShape: [Int]

  private let builder: BatchBuilder
  private let prefetcher: Prefetcher?
  private var current = TrainingBatchPosition.start
  private var closed = false

  /// Prepares the stream over `dataset.items`, tokenising with `tokenizer`, normalising (and, for
  /// ``TrainingImageTransform/none``, resizing and cropping) with `preprocessor`. Items without
  /// captions are skipped. Nothing is read from disk until the first batch.
  ///
  /// - Throws: ``TrainingBatchError`` when there is not one full batch per epoch, or the
  ///   preprocessor gives no fixed image size.
  public init(dataset: RetrievalDataset, tokenizer: any CaptionTokenizing, preprocessor: ImagePreprocessor,
              options: TrainingBatchOptions) throws {
    guard options.batchSize > 0 else { throw TrainingBatchError("batch size must be positive, got \(options.batchSize)") }
    guard options.prefetch >= 0 else { throw TrainingBatchError("prefetch must be non-negative, got \(options.prefetch)") }
    guard options.contextLength >= 1 else { throw TrainingBatchError("context length must be at least 1, got \(options.contextLength)") }
    guard options.batchesPerEpochMultiple > 0 else {
      throw TrainingBatchError("batchesPerEpochMultiple must be positive, got \(options.batchesPerEpochMultiple)")
    }
    let pipeline = TrainingImagePipeline(preprocessor: preprocessor, transform: options.transform)
    guard let size = pipeline.outputSize else {
      throw TrainingBatchError("the image preprocessor gives no fixed size (shortest-edge resize without a center crop); batches need one")
    }
    let planner = EpochPlanner(captionCounts: dataset.items.map(\.captions.count), seed: options.seed,
                               shuffle: options.shuffle, captions: options.captions)
    let multiple = options.batchesPerEpochMultiple
    let batches = EpochPlanner.steps(samples: planner.count, batchSize: options.batchSize, dropLast: options.dropLast)
    let steps = batches / multiple * multiple
    guard steps > 0 else {
      let what = planner.count == 0 ? "no image has a caption"
        : batches == 0 ? "\(planner.count) sample\(planner.count == 1 ? "" : "s") per epoch, fewer than one batch of \(options.batchSize) with drop-last"
        : "\(planner.count) samples per epoch make \(batches) batch\(batches == 1 ? "" : "es") of \(options.batchSize), fewer than one group of \(multiple)"
      throw TrainingBatchError("no training batches: \(what)")
    }
    self.options = options
    samplesPerEpoch = planner.count
    stepsPerEpoch = steps
    imageShape = [3, size.height, size.width]
    let builder = BatchBuilder(items: dataset.items, planner: planner, tokenizer: tokenizer, pipeline: pipeline,
                               imageSize: size, batchSize: options.batchSize, stepsPerEpoch: steps,
                               contextLength: options.contextLength)
    self.builder = builder
    if options.prefetch > 0 {
      prefetcher = Prefetcher(depth: options.prefetch, startingAt: .start,
                              build: { position, shouldStop in try builder.build(position, shouldStop: shouldStop) },
                              advance: { position in Self.advance(position, stepsPerEpoch: steps) })
    } else {
      prefetcher = nil
    }
  }

  deinit {
    prefetcher?.stop()
  }

  /// The batch the next ``next()`` returns. Setting it (to restore a checkpoint, or to skip a bad
  /// batch) discards prefetched batches. Precondition: `epoch >= 0`, `batch` in `0..<stepsPerEpoch`.
  public var position: TrainingBatchPosition {
    get { current }
    set {
      precondition(newValue.epoch >= 0 && (0..<stepsPerEpoch).contains(newValue.batch),
                   "\(newValue) is outside 0..<\(stepsPerEpoch) batches per epoch")
      guard newValue != current else { return }
      current = newValue
      prefetcher?.move(to: newValue)
    }
  }

  /// The batch at ``position``, then moves ``position`` on (to the next epoch after its last
  /// batch). Waits only if the producer has not finished that batch yet.
  /// - Throws: the `ImageError` of the first image in the batch that cannot be read or decoded
  ///   (``position`` is left unchanged); `CancellationError` after ``close()``.
  public func next() throws -> TrainingBatch {
    if closed { throw CancellationError() }
    let batch: TrainingBatch
    if let prefetcher {
      batch = try prefetcher.take(current)
    } else {
      batch = try builder.build(current)
    }
    current = Self.advance(current, stepsPerEpoch: stepsPerEpoch)
    return batch
  }

  /// The batch at `position`, made on the calling thread; ``position`` and prefetching are not
  /// touched. Bit-identical to what ``next()`` returns there.
  public func batch(at position: TrainingBatchPosition) throws -> TrainingBatch {
    try builder.build(position)
  }

  /// The (image, caption) rows of the batch at `position`, without reading any image.
  public func samples(at position: TrainingBatchPosition) -> [TrainingSample] {
    builder.samples(at: position)
  }

  /// Every sample of `epoch` in order (batch b is rows `b·B ..< (b+1)·B`).
  public func samples(epoch: Int) -> [TrainingSample] {
    builder.samples(epoch: epoch)
  }

  /// Stops background work now and waits for it to end; afterwards ``next()`` throws
  /// `CancellationError` (``batch(at:)`` still works). Dropping the object does the same.
  /// Waits (at most `timeout` seconds) until `count` batches are prefetched ahead of the
  /// consumer; returns how many are ready (0 without prefetching).
  func waitForPrefetched(_ count: Int, timeout: Double) -> Int {
    prefetcher?.waitForReady(count, timeout: timeout) ?? 0
  }

  public func close() {
    closed = true
    prefetcher?.stop()
  }

  /// Batches per epoch for `samples` samples.
  public static func stepsPerEpoch(samples: Int, batchSize: Int, dropLast: Bool) -> Int {
    precondition(batchSize > 0 && samples >= 0)
    return EpochPlanner.steps(samples: samples, batchSize: batchSize, dropLast: dropLast)
  }

  static func advance(_ p: TrainingBatchPosition, stepsPerEpoch: Int) -> TrainingBatchPosition {
    p.batch + 1 < stepsPerEpoch ? TrainingBatchPosition(epoch: p.epoch, batch: p.batch + 1)
      : TrainingBatchPosition(epoch: p.epoch + 1, batch: 0)
  }
}
