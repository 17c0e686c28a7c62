import Foundation
import Preprocessing
import Tensors

/// Makes the batch at a position: picks its samples, decodes and augments the images in parallel
/// and tokenises the captions. Every random draw is seeded by (seed, epoch, item, caption), so the
/// result does not depend on threads or on which batches were made before.
final class BatchBuilder: @unchecked Sendable {
  let items: [CaptionedImage]
  let planner: EpochPlanner
  let tokenizer: any CaptionTokenizing
  let pipeline: TrainingImagePipeline
  let imageHeight: Int
  let imageWidth: Int
  let batchSize: Int
  let stepsPerEpoch: Int
  let contextLength: Int

  /// The last epoch's sample order (planning an epoch shuffles the whole dataset).
  private let lock = NSLock()
  private var cachedEpoch: Int?
  private var cachedSamples: [TrainingSample] = []

  init(items: [CaptionedImage], planner: EpochPlanner, tokenizer: any CaptionTokenizing, pipeline: TrainingImagePipeline,
       imageSize: (height: Int, width: Int), batchSize: Int, stepsPerEpoch: Int, contextLength: Int) {
    self.items = items
    self.planner = planner
    self.tokenizer = tokenizer
    self.pipeline = pipeline
    imageHeight = imageSize.height
    imageWidth = imageSize.width
    self.batchSize = batchSize
    self.stepsPerEpoch = stepsPerEpoch
    self.contextLength = contextLength
  }

  func samples(epoch: Int) -> [TrainingSample] {
    lock.lock()
    defer { lock.unlock() }
    if cachedEpoch != epoch {
      cachedSamples = planner.samples(epoch: epoch)
      cachedEpoch = epoch
    }
    return cachedSamples
  }

  /// Rows of batch `position.batch` of its epoch.
  func samples(at position: TrainingBatchPosition) -> [TrainingSample] {
    precondition(position.epoch >= 0 && (0..<stepsPerEpoch).contains(position.batch),
                 "\(position) is outside 0..<\(stepsPerEpoch) batches per epoch")
    let all = samples(epoch: position.epoch)
    let lo = position.batch * batchSize, hi = min(lo + batchSize, all.count)
    return Array(all[lo..<hi])
  }

  /// The batch at `position`. Throws the first failing image's error (by row), naming its file;
  /// throws `CancellationError` when `shouldStop` turns true before all images are done.
  func build(_ position: TrainingBatchPosition, shouldStop: () -> Bool = { false }) throws -> TrainingBatch {
    let rows = samples(at: position)
    let per = 3 * imageHeight * imageWidth
    var pixels = [Float](repeating: 0, count: rows.count * per)  // [B, 3, H, W]
    var failures = [Error?](repeating: nil, count: rows.count)
    pixels.withUnsafeMutableBufferPointer { px in
      failures.withUnsafeMutableBufferPointer { fail in
        let pxBase = px.baseAddress!, failBase = fail.baseAddress!
        Parallel.forEach(rows.count) { range in
          for k in range {
            if shouldStop() { failBase[k] = CancellationError(); continue }
            let sample = rows[k]
            do {
              let image = try ImageDecoder.decode(contentsOf: items[sample.item].image)
              if case .none = pipeline.transform,
                 let problem = pipeline.preprocessor.sizeProblem(height: image.height, width: image.width) {
                throw ImageError(file: items[sample.item].image.path, kind: .tooLarge, detail: problem)
              }
              var rng = SeedMixer.rng(planner.seed, .augment, position.epoch, sample.item, sample.caption)
              pipeline.write(image, rng: &rng, into: UnsafeMutableBufferPointer(start: pxBase + k * per, count: per))
            } catch {
              failBase[k] = error
            }
          }
        }
      }
    }
    if let failure = failures.first(where: { $0 != nil && !($0 is CancellationError) }) { throw failure! }
    if failures.contains(where: { $0 != nil }) { throw CancellationError() }
    let tokens = rows.map { tokenizer.trainingIDs(items[$0.item].captions[$0.caption], limit: contextLength) }
    return TrainingBatch(position: position,
                         pixelValues: Tensor(shape: [rows.count, 3, imageHeight, imageWidth], data: pixels),
                         tokenIDs: tokens, itemIndices: rows.map(\.item), captionIndices: rows.map(\.caption))
  }
}
