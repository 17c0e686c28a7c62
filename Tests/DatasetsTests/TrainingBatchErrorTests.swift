import Datasets
import Foundation
import Preprocessing
import Testing
import TestSupport

/// Failures reach the consumer as errors naming the file; stopping never hangs.
@Suite struct TrainingBatchErrorTests {
  @Test(arguments: [0, 2])
  func corruptImageInABatchThrowsNamingTheFile(prefetch: Int) throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1, 1, 1], corrupt: [3])
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 2, shuffle: false, captions: .first, prefetch: prefetch))
    #expect(try batches.next().itemIndices == [0, 1])
    for _ in 0..<2 {  // the position stays on the bad batch, so asking again fails again
      do {
        _ = try batches.next()
        Issue.record("a truncated image must throw")
      } catch let error as ImageError {
        #expect(error.file == fixture.path(3))
        #expect("\(error)".contains("img_3.jpg"))
      }
      #expect(batches.position == TrainingBatchPosition(epoch: 0, batch: 1))
    }
    batches.position = TrainingBatchPosition(epoch: 0, batch: 2)  // skip it
    #expect(try batches.next().itemIndices == [4, 5])
    #expect(batches.position == TrainingBatchPosition(epoch: 1, batch: 0))
  }

  @Test func missingImageThrowsNamingTheFile() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1])
    try FileManager.default.removeItem(at: fixture.dataset.items[2].image)  // vanished after loading
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 4, shuffle: true, captions: .first, prefetch: 2))
    do {
      _ = try batches.next()
      Issue.record("a missing image must throw")
    } catch let error as ImageError {
      #expect(error.kind == .unreadable)
      #expect(error.file == fixture.path(2))
    }
    #expect(throws: ImageError.self) { try batches.batch(at: .start) }
  }

  @Test func theFirstBadRowIsReported() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1, 1], corrupt: [1, 4])
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 5, shuffle: false, captions: .first, prefetch: 1))
    #expect { try batches.next() } throws: { ($0 as? ImageError)?.file == fixture.path(1) }
  }

  /// 224×224 crops of 640×427 JPEGs, prefetching 6 batches of 8: the producer is busy when the
  /// consumer lets go; the drop must return promptly and free the stream.
  @Test func droppingTheIteratorMidEpochReturnsPromptly() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Array(repeating: 1, count: 10))
    var items = fixture.dataset.items
    let big = Fixtures.url("images/jpeg_640x427.jpg")
    for i in items.indices {
      let copy = fixture.root.appendingPathComponent("big_\(i).jpg")
      try FileManager.default.copyItem(at: big, to: copy)
      items[i].image = copy
    }
    items += items + items  // 30 images
    let options = TrainingBatchOptions(batchSize: 8, seed: 1, captions: .first, transform: .cropFlip(scale: 0.08...1), prefetch: 6)
    var batches: TrainingBatches? = try TrainingBatches(dataset: RetrievalDataset(items: items), tokenizer: TrainingBatchFixture.tokenizer,
                                                        preprocessor: ImagePreprocessor(), options: options)
    weak let watcher = batches
    _ = try batches!.next()
    batches = nil  // joins the producer thread, which notices within one image
    #expect(watcher == nil, "no background thread keeps the stream alive")
  }

  @Test func closeStopsTheStream() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1])
    for prefetch in [0, 3] {
      let batches = try fixture.batches(TrainingBatchOptions(batchSize: 2, captions: .first, prefetch: prefetch))
      _ = try batches.next()
      batches.close()
      batches.close()  // idempotent
      #expect(throws: CancellationError.self) { try batches.next() }
      #expect(try batches.batch(at: .start).count == 2, "batch(at:) still works")
    }
  }
}

/// A training image whose resize would be absurd is refused before resizing, as inference does.
@Suite struct TrainingBatchElongatedImageTests {
  @Test func elongatedTrainingImageIsRefusedBeforeResizing() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1])
    let strip = RGBImage(width: 65_535, height: 1, pixels: [UInt8](repeating: 128, count: 65_535 * 3))
    try PNGEncoder.encode(strip).write(to: URL(fileURLWithPath: fixture.path(0)))
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 1, captions: .first, transform: .none, prefetch: 0))
    #expect {
      _ = try batches.next()
    } throws: { error in
      let text = "\(error)"
      return text.contains(fixture.path(0)) && text.contains("too elongated")
    }
  }
}
