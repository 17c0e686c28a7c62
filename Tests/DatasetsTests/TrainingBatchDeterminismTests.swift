import Datasets
import Foundation
import Preprocessing
import Tensors
import Testing
import TestSupport

/// Same seed → same bits, whatever the prefetching; positions restore the stream exactly.
@Suite struct TrainingBatchDeterminismTests {
  static let counts = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 3, 2]

  static func options(seed: UInt64, prefetch: Int, captions: CaptionSampling = .random) -> TrainingBatchOptions {
    TrainingBatchOptions(batchSize: 4, seed: seed, captions: captions, transform: .cropFlip(scale: 0.08...1),
                         prefetch: prefetch)
  }

  @Test(arguments: [CaptionSampling.random, .all])
  func sameSeedGivesIdenticalBatchesWithAnyPrefetch(captions: CaptionSampling) throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let n = 2 * (captions == .all ? 8 : 3) + 1  // into the third epoch
    let reference = try fixture.batches(Self.options(seed: 42, prefetch: 0, captions: captions)).take(n)
    for prefetch in [1, 2, 5] {
      let other = try fixture.batches(Self.options(seed: 42, prefetch: prefetch, captions: captions)).take(n)
      for (a, b) in zip(reference, other) { #expect(a.same(as: b), "prefetch \(prefetch) differs at \(a.position)") }
    }
    // `batch(at:)` on the calling thread agrees too, in any order.
    let batches = try fixture.batches(Self.options(seed: 42, prefetch: 3, captions: captions))
    for batch in reference.reversed() { #expect(try batches.batch(at: batch.position).same(as: batch)) }
  }

  @Test func differentSeedsGiveDifferentBatches() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let a = try fixture.batches(Self.options(seed: 1, prefetch: 2)).take(3)
    let b = try fixture.batches(Self.options(seed: 2, prefetch: 2)).take(3)
    #expect(a.map(\.itemIndices) != b.map(\.itemIndices), "shuffle order depends on the seed")
    // Without shuffling the rows agree, but the crops and flips still differ.
    var unshuffled1 = Self.options(seed: 1, prefetch: 0, captions: .first), unshuffled2 = unshuffled1
    unshuffled1.shuffle = false
    unshuffled2.shuffle = false
    unshuffled2.seed = 2
    let x = try fixture.batches(unshuffled1).next(), y = try fixture.batches(unshuffled2).next()
    #expect(x.itemIndices == y.itemIndices)
    #expect(x.pixelBits != y.pixelBits)
  }

  @Test func augmentationDiffersBetweenEpochs() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1])
    var options = Self.options(seed: 8, prefetch: 0, captions: .first)
    options.shuffle = false
    let batches = try fixture.batches(options)  // one batch per epoch, same rows each time
    let epochs = try batches.take(3)
    #expect(epochs.map(\.itemIndices) == [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]])
    #expect(Set(epochs.map(\.pixelBits)).count == 3)
  }

  @Test(arguments: [0, 2])
  func resumingFromASavedPositionReproducesTheRestExactly(prefetch: Int) throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let total = 10  // 3 batches per epoch: crosses two epoch boundaries
    let uninterrupted = try fixture.batches(Self.options(seed: 77, prefetch: prefetch)).take(total)

    for stop in [1, 3, 5] {
      var first: TrainingBatches? = try fixture.batches(Self.options(seed: 77, prefetch: prefetch))
      let before = try first!.take(stop)
      let saved = try JSONEncoder().encode(first!.position)  // what a checkpoint stores
      first = nil  // the run ends, prefetched work and all

      let resumed = try fixture.batches(Self.options(seed: 77, prefetch: prefetch))
      resumed.position = try JSONDecoder().decode(TrainingBatchPosition.self, from: saved)
      let after = try resumed.take(total - stop)
      for (a, b) in zip(before + after, uninterrupted) { #expect(a.same(as: b), "stop \(stop): \(a.position) vs \(b.position)") }
    }
  }

  @Test func movingThePositionDiscardsPrefetchedBatches() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let reference = try fixture.batches(Self.options(seed: 3, prefetch: 0))
    let batches = try fixture.batches(Self.options(seed: 3, prefetch: 3))
    _ = try batches.take(2)  // producer is now ahead
    let jumps = [TrainingBatchPosition(epoch: 4, batch: 2), TrainingBatchPosition(epoch: 0, batch: 0), TrainingBatchPosition(epoch: 0, batch: 1)]
    for target in jumps {
      batches.position = target
      #expect(batches.position == target)
      let got = try batches.next()
      #expect(got.same(as: try reference.batch(at: target)))
    }
  }

  @Test func positionAndOptionsAreCodable() throws {
    let position = TrainingBatchPosition(epoch: 3, batch: 17)
    #expect(try JSONDecoder().decode(TrainingBatchPosition.self, from: JSONEncoder().encode(position)) == position)
    let options = TrainingBatchOptions(batchSize: 32, seed: .max, shuffle: false, captions: .all, dropLast: false,
                                       transform: .cropFlip(scale: 0.9...1), contextLength: 20, prefetch: 4)
    #expect(try JSONDecoder().decode(TrainingBatchOptions.self, from: JSONEncoder().encode(options)) == options)
    #expect(TrainingBatchPosition(epoch: 1, batch: 0) > TrainingBatchPosition(epoch: 0, batch: 9))
  }
}
