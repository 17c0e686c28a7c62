@testable import Datasets
import Dispatch
import Foundation
import Preprocessing
import Testing
import TestSupport

/// Background preparation hides data time behind the training step.
@Suite struct TrainingBatchPrefetchTests {
  /// While the consumer is busy (here: not asking), the producer thread prepares exactly
  /// `prefetch` batches ahead, and `next()` hands them out in order, equal to the batches made on
  /// the calling thread. Observed through the ready queue, not timed (a wait only guards a hang).
  @Test func prefetchPreparesBatchesAheadOfTheConsumer() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Array(repeating: 2, count: 10))
    let options = TrainingBatchOptions(batchSize: 4, seed: 1, captions: .all, transform: .cropFlip(scale: 0.08...1), prefetch: 2)
    let batches = try fixture.batches(options)
    let reference = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 1, captions: .all, transform: .cropFlip(scale: 0.08...1), prefetch: 0))
    for step in 0..<5 {
      let position = batches.position
      let ready = step == 0 ? 0 : batches.waitForPrefetched(2, timeout: 120)
      if step > 0 { #expect(ready == 2, "step \(step): \(ready) batches prefetched, expected 2") }
      let batch = try batches.next()
      #expect(batch == (try reference.batch(at: position)), "step \(step): prefetched batch differs")
    }
  }

  /// The JPEG fixtures (37×53 to 640×427), repeated to `count` items, one caption each.
  static func jpegDataset(count: Int, only: String? = nil) throws -> RetrievalDataset {
    let folder = Fixtures.url("images")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasPrefix(only ?? "jpeg_") && $0.hasSuffix(".jpg") }.sorted()
    return RetrievalDataset(items: (0..<count).map { i in
      CaptionedImage(image: folder.appendingPathComponent(files[i % files.count]), captions: ["a photo of thing \(i)"])
    })
  }

  /// Throughput at batch 32, 224×224, crop-flip, and waits under a simulated 1-second step.
  /// Slow (about 20 s), so it runs only with `CLIPTUNE_BENCH=1` (use a release build:
  /// `CLIPTUNE_BENCH=1 swift test -c release --filter TrainingBatchPrefetchTests`).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["CLIPTUNE_BENCH"] == "1"))
  func benchmarkBatch32At224() throws {
    for (label, only) in [("all jpeg_*.jpg fixtures", nil), ("640×427 JPEG only", "jpeg_640x427")] as [(String, String?)] {
      let dataset = try Self.jpegDataset(count: 32 * 12, only: only)
      func make(prefetch: Int) throws -> TrainingBatches {
        try TrainingBatches(dataset: dataset, tokenizer: TrainingBatchFixture.tokenizer, preprocessor: ImagePreprocessor(),
                            options: TrainingBatchOptions(batchSize: 32, seed: 1, captions: .first,
                                                          transform: .cropFlip(scale: 0.08...1), prefetch: prefetch))
      }
      // Throughput: batches made back to back on the calling thread (decode parallel across the batch).
      let sync = try make(prefetch: 0)
      _ = try sync.next()
      let t0 = Date()
      for _ in 0..<8 { _ = try sync.next() }
      let perBatch = Date().timeIntervalSince(t0) / 8
      print("[bench] \(label): \(String(format: "%.2f", 1 / perBatch)) batches/s (\(String(format: "%.0f", perBatch * 1000)) ms per batch of 32, \(String(format: "%.0f", 32 / perBatch)) images/s)")

      // Simulated 1 s training steps: sleeping, and busy on every core (as BLAS would be).
      for busy in [false, true] {
        let stream = try make(prefetch: 2)
        _ = try stream.next()
        var waits: [Double] = []
        for _ in 0..<5 {
          Self.simulateStep(seconds: 1, busy: busy)
          let t = Date()
          _ = try stream.next()
          waits.append(Date().timeIntervalSince(t))
        }
        print("[bench] \(label), 1 s \(busy ? "CPU-busy" : "sleeping") step: next() waited \(waits.map { String(format: "%.1f ms", $0 * 1000) })")
        if !busy { #expect(waits.max()! < 0.1) }
      }
    }
  }

  static func simulateStep(seconds: Double, busy: Bool) {
    guard busy else { Thread.sleep(forTimeInterval: seconds); return }
    let end = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
    DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { _ in
      var x = 1.0
      while DispatchTime.now().uptimeNanoseconds < end { for _ in 0..<1000 { x = x * 1.0000001 + 1e-9 } }
      if x == 0 { print(x) }
    }
  }
}
