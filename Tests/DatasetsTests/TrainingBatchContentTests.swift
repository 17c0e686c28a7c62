import Datasets
import Foundation
import Preprocessing
import Tensors
import Testing
import TestSupport

/// What a batch holds: preprocessed pixels of the right images, token ids of the right captions.
@Suite struct TrainingBatchContentTests {
  @Test func noneTransformRowsEqualEvaluationPreprocessing() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [2, 1, 3, 1, 2, 2, 1, 1])
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 3, seed: 6, captions: .random, transform: .none))
    let p = TrainingBatchFixture.preprocessor
    for _ in 0..<5 {
      let batch = try batches.next()
      #expect(batch.pixelValues.shape == [3, 3, 32, 32])
      let per = 3 * 32 * 32
      for (row, item) in batch.itemIndices.enumerated() {
        let expected = p(try ImageDecoder.decode(contentsOf: fixture.dataset.items[item].image))
        let got = Array(batch.pixelValues.data[(row * per)..<((row + 1) * per)])
        #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "row \(row), item \(item)")
      }
    }
  }

  @Test func cropFlipRowsUseTheirOwnImage() throws {
    // At scale 1 an attempt fits only when the image's own aspect ratio is within 3/4...4/3 (and
    // then is the whole image); otherwise torchvision falls back to the centre narrowed to the
    // range. Either way the box is `fallback(...)`, so each row is that crop resized, flipped or
    // not, and normalised. (Not for 50×37 image_2.jpg: 50/37 is within rounding of 4/3, so an
    // attempt can fit as 49×37 or 50×37 while the fallback is 49×37 at the centre.)
    let fixture = try TrainingBatchFixture(captionCounts: Array(repeating: 1, count: 10))
    var items = fixture.dataset.items
    items.remove(at: 2)  // 9 images: squares, and ratios far outside 3/4...4/3
    let batches = try TrainingBatches(dataset: RetrievalDataset(items: items), tokenizer: TrainingBatchFixture.tokenizer,
                                      preprocessor: TrainingBatchFixture.preprocessor,
                                      options: TrainingBatchOptions(batchSize: 6, seed: 10, captions: .first,
                                                                    transform: .cropFlip(scale: 1...1), prefetch: 1))
    var normaliseOnly = TrainingBatchFixture.preprocessor
    normaliseOnly.doResize = false
    normaliseOnly.doCenterCrop = false
    let per = 3 * 32 * 32
    var flips = Set<Bool>()
    for _ in 0..<3 {
      let batch = try batches.next()
      #expect(batch.pixelValues.shape == [6, 3, 32, 32])
      for (row, item) in batch.itemIndices.enumerated() {
        let image = try ImageDecoder.decode(contentsOf: items[item].image)
        let box = RandomResizedCrop.fallback(width: image.width, height: image.height, ratio: RandomResizedCrop.defaultRatio)
        let crop = RandomResizedCrop(size: 32).apply(to: image, box: box)
        let plain = normaliseOnly(crop), flipped = normaliseOnly(crop.flippedHorizontally())
        let got = Array(batch.pixelValues.data[(row * per)..<((row + 1) * per)])
        #expect(got == plain || got == flipped, "row \(row), item \(item)")
        if plain != flipped { flips.insert(got == flipped) }
      }
    }
    #expect(flips == [false, true], "some of the 18 rows flipped, some not")
  }

  @Test func tokensAreTheSampledCaptionsUnpaddedAndTruncated() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [3, 1, 4, 2, 5, 1])
    for contextLength in [77, 5] {
      let batches = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 12, captions: .all,
                                                             contextLength: contextLength, prefetch: 2))
      for _ in 0..<6 {
        let batch = try batches.next()
        for row in 0..<batch.count {
          let caption = fixture.dataset.items[batch.itemIndices[row]].captions[batch.captionIndices[row]]
          let expected = TrainingBatchFixture.tokenizer.encode(caption, contextLength: contextLength)
          #expect(batch.tokenIDs[row] == expected)
          #expect(batch.tokenIDs[row].count <= contextLength)
        }
        if contextLength == 5 { #expect(batch.tokenIDs.allSatisfy { $0.count == 5 }) }
      }
    }
  }

  @Test func fullSizeImagesAt224() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1])
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 2, captions: .first, transform: .cropFlip(scale: 0.9...1)),
                                      preprocessor: ImagePreprocessor())
    #expect(batches.imageShape == [3, 224, 224])
    #expect(try batches.next().pixelValues.shape == [2, 3, 224, 224])
  }
}
