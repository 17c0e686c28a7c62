import Datasets
import Foundation
import Preprocessing
import Testing
import TestSupport

/// Which samples make each epoch: caption modes, shuffling, drop-last, steps per epoch.
@Suite struct TrainingBatchEpochTests {
  /// 10 images with 1, 2, 3, 4, 5, 1, 2, 3, 4, 5 captions: 10 images, 30 pairs.
  static let counts = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]

  @Test(arguments: [
    (CaptionSampling.first, 4, true, 10, 2), (.first, 4, false, 10, 3), (.random, 3, true, 10, 3),
    (.random, 5, false, 10, 2), (.all, 4, true, 30, 7), (.all, 4, false, 30, 8), (.all, 30, true, 30, 1),
    (.all, 7, false, 30, 5), (.first, 10, false, 10, 1),
  ])
  func stepsPerEpochFollowsModeAndDropLast(captions: CaptionSampling, batchSize: Int, dropLast: Bool,
                                           samples: Int, steps: Int) throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: batchSize, seed: 1, captions: captions,
                                                           dropLast: dropLast, prefetch: 0))
    #expect(batches.samplesPerEpoch == samples)
    #expect(batches.stepsPerEpoch == steps)
    #expect(TrainingBatches.stepsPerEpoch(samples: samples, batchSize: batchSize, dropLast: dropLast) == steps)
    // Row counts of an epoch's batches: full batches, then the remainder unless dropped.
    let sizes = (0..<steps).map { batches.samples(at: TrainingBatchPosition(epoch: 0, batch: $0)).count }
    var expected = Array(repeating: batchSize, count: samples / batchSize)
    if !dropLast && samples % batchSize != 0 { expected.append(samples % batchSize) }
    #expect(sizes == expected)
  }

  @Test func iterationWalksEveryBatchThenTheNextEpoch() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 3, captions: .all, dropLast: false, prefetch: 2))
    var positions: [TrainingBatchPosition] = []
    var rows = 0
    while batches.position.epoch == 0 {
      let batch = try batches.next()
      positions.append(batch.position)
      rows += batch.count
      #expect(batch.pixelValues.shape == [batch.count, 3, 32, 32])
    }
    #expect(positions == (0..<8).map { TrainingBatchPosition(epoch: 0, batch: $0) })
    #expect(rows == 30)
    #expect(batches.position == TrainingBatchPosition(epoch: 1, batch: 0))
    #expect(try batches.next().position == TrainingBatchPosition(epoch: 1, batch: 0))
  }

  @Test func noShuffleKeepsFileOrder() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let first = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 9, shuffle: false, captions: .first, prefetch: 0))
    for epoch in 0..<3 {
      #expect(first.samples(epoch: epoch) == (0..<10).map { TrainingSample(item: $0, caption: 0) })
    }
    let batch = try first.next()
    #expect(batch.itemIndices == [0, 1, 2, 3])
    #expect(batch.captionIndices == [0, 0, 0, 0])

    let all = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 9, shuffle: false, captions: .all, prefetch: 0))
    let pairs = Self.counts.enumerated().flatMap { i, n in (0..<n).map { TrainingSample(item: i, caption: $0) } }
    #expect(all.samples(epoch: 0) == pairs)
    #expect(all.samples(epoch: 5) == pairs)
  }

  @Test func shuffleIsAFreshPermutationEachEpoch() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 9, captions: .all, prefetch: 0))
    let fileOrder = Self.counts.enumerated().flatMap { i, n in (0..<n).map { TrainingSample(item: i, caption: $0) } }
    let epochs = (0..<4).map { batches.samples(epoch: $0) }
    for order in epochs {
      #expect(order.sorted { ($0.item, $0.caption) < ($1.item, $1.caption) } == fileOrder, "a permutation of all pairs")
      #expect(order != fileOrder)
    }
    #expect(Set(epochs.map { $0.map(\.item) }).count == 4, "each epoch has its own order")
  }

  @Test func firstCaptionsAreAlwaysCaptionZero() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 5, seed: 2, captions: .first, prefetch: 0))
    for epoch in 0..<4 {
      let samples = batches.samples(epoch: epoch)
      #expect(samples.allSatisfy { $0.caption == 0 })
      #expect(Set(samples.map(\.item)) == Set(0..<10))
    }
  }

  @Test func randomCaptionsVaryAcrossEpochsAndStayInRange() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let options = TrainingBatchOptions(batchSize: 5, seed: 2, captions: .random, prefetch: 0)
    let batches = try fixture.batches(options)
    var picks = Array(repeating: Set<Int>(), count: 10)
    for epoch in 0..<40 {
      let samples = batches.samples(epoch: epoch)
      #expect(Set(samples.map(\.item)) == Set(0..<10), "each image once per epoch")
      for s in samples {
        #expect((0..<Self.counts[s.item]).contains(s.caption))
        picks[s.item].insert(s.caption)
      }
    }
    for item in 0..<10 {
      // 40 epochs: every caption of a 5-caption image is picked (miss chance 5·0.8^40 ≈ 7e-4, fixed seed).
      #expect(picks[item] == Set(0..<Self.counts[item]), "item \(item) picked \(picks[item].sorted())")
    }
    // The pick depends on (seed, epoch, image) only: not on shuffling or batch size.
    var other = options
    other.shuffle = false
    other.batchSize = 3
    let unshuffled = try fixture.batches(other)
    for epoch in 0..<5 {
      let a = Dictionary(uniqueKeysWithValues: batches.samples(epoch: epoch).map { ($0.item, $0.caption) })
      let b = Dictionary(uniqueKeysWithValues: unshuffled.samples(epoch: epoch).map { ($0.item, $0.caption) })
      #expect(a == b)
    }
    // And on the seed.
    other = options
    other.seed = 3
    let reseeded = try fixture.batches(other)
    #expect((0..<5).map { reseeded.samples(epoch: $0).sorted { $0.item < $1.item } }
            != (0..<5).map { batches.samples(epoch: $0).sorted { $0.item < $1.item } })
  }

  @Test func allCaptionsGivesEveryPairOncePerEpoch() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 6, seed: 4, captions: .all, dropLast: false, prefetch: 2))
    var pairs: [TrainingSample] = []
    while batches.position.epoch == 0 {
      let batch = try batches.next()
      pairs += zip(batch.itemIndices, batch.captionIndices).map { TrainingSample(item: $0, caption: $1) }
    }
    #expect(pairs.count == 30)
    #expect(Set(pairs).count == 30)
    for i in 0..<10 { #expect(pairs.filter { $0.item == i }.count == Self.counts[i]) }
  }

  @Test func dropLastDropsTheIncompleteBatch() throws {
    let fixture = try TrainingBatchFixture(captionCounts: Self.counts)
    let kept = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 1, captions: .first, dropLast: false, prefetch: 0))
    let dropped = try fixture.batches(TrainingBatchOptions(batchSize: 4, seed: 1, captions: .first, dropLast: true, prefetch: 0))
    let keptBatches = try kept.take(3), droppedBatches = try dropped.take(2)
    #expect(keptBatches.map(\.count) == [4, 4, 2])
    #expect(droppedBatches.map(\.count) == [4, 4])
    #expect(dropped.position == TrainingBatchPosition(epoch: 1, batch: 0))
    // Same order either way; drop-last just leaves the last two samples of the epoch out.
    #expect(droppedBatches.flatMap(\.itemIndices) == Array(keptBatches.flatMap(\.itemIndices).prefix(8)))
  }

  @Test func imagesWithoutCaptionsAreSkipped() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1])
    var items = fixture.dataset.items
    items[1].captions = []
    items[3].captions = []
    let batches = try TrainingBatches(dataset: RetrievalDataset(items: items), tokenizer: TrainingBatchFixture.tokenizer,
                                      preprocessor: TrainingBatchFixture.preprocessor,
                                      options: TrainingBatchOptions(batchSize: 2, shuffle: false, captions: .random, prefetch: 0))
    #expect(batches.samplesPerEpoch == 2)
    #expect(try batches.next().itemIndices == [0, 2])
  }

  @Test func tooFewSamplesForOneBatchIsAnError() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [2, 2, 2])
    #expect(throws: TrainingBatchError.self) {
      try fixture.batches(TrainingBatchOptions(batchSize: 4, captions: .first))
    }
    #expect(try fixture.batches(TrainingBatchOptions(batchSize: 4, captions: .all)).stepsPerEpoch == 1)
    #expect(try fixture.batches(TrainingBatchOptions(batchSize: 4, captions: .first, dropLast: false)).stepsPerEpoch == 1)
    do {
      _ = try fixture.batches(TrainingBatchOptions(batchSize: 4, captions: .first))
    } catch {
      #expect("\(error)".contains("3 samples per epoch, fewer than one batch of 4"))
    }
  }

  /// Accumulation groups never straddle epochs: 7 samples in batches of 2 make 3 batches, of which
  /// a multiple of 2 keeps 2 per epoch (the third is dropped, as open_clip's accum_freq drops it).
  @Test func batchesPerEpochRoundDownToWholeAccumulationGroups() throws {
    let fixture = try TrainingBatchFixture(captionCounts: [1, 1, 1, 1, 1, 1, 1])
    let batches = try fixture.batches(TrainingBatchOptions(batchSize: 2, shuffle: false, captions: .first, prefetch: 0,
                                                           batchesPerEpochMultiple: 2))
    #expect(batches.stepsPerEpoch == 2)
    let positions = try (0..<5).map { _ in try batches.next().position }
    #expect(positions == [.init(epoch: 0, batch: 0), .init(epoch: 0, batch: 1), .init(epoch: 1, batch: 0),
                          .init(epoch: 1, batch: 1), .init(epoch: 2, batch: 0)])
    do {
      _ = try fixture.batches(TrainingBatchOptions(batchSize: 2, captions: .first, batchesPerEpochMultiple: 4))
      Issue.record("3 batches cannot make a group of 4")
    } catch {
      #expect("\(error)".contains("make 3 batches of 2, fewer than one group of 4"))
    }
  }
}
