/// The samples of each epoch, in order: a pure function of the dataset's caption counts, the
/// options and the epoch number.
struct EpochPlanner: Sendable {
  /// Samples in file order (for `.random`, caption 0 as a placeholder until the epoch's pick).
  let fileOrder: [TrainingSample]
  /// Captions per item.
  let captionCounts: [Int]
  let seed: UInt64
  let shuffle: Bool
  let captions: CaptionSampling

  /// Items without captions give no sample in any mode.
  init(captionCounts: [Int], seed: UInt64, shuffle: Bool, captions: CaptionSampling) {
    self.captionCounts = captionCounts
    self.seed = seed
    self.shuffle = shuffle
    self.captions = captions
    var samples: [TrainingSample] = []
    for (item, count) in captionCounts.enumerated() where count > 0 {
      switch captions {
      case .all: for c in 0..<count { samples.append(TrainingSample(item: item, caption: c)) }
      case .first, .random: samples.append(TrainingSample(item: item, caption: 0))
      }
    }
    fileOrder = samples
  }

  /// Samples per epoch.
  var count: Int { fileOrder.count }

  /// Epoch `epoch`'s samples in order: captions picked (for `.random`), then shuffled (when on)
  /// with a Fisher–Yates shuffle driven by the epoch's own RNG.
  func samples(epoch: Int) -> [TrainingSample] {
    var samples = fileOrder
    if captions == .random {
      for i in samples.indices where captionCounts[samples[i].item] > 1 {
        var rng = SeedMixer.rng(seed, .caption, epoch, samples[i].item)
        samples[i].caption = SeedMixer.integer(below: captionCounts[samples[i].item], &rng)
      }
    }
    if shuffle && samples.count > 1 {
      var rng = SeedMixer.rng(seed, .shuffle, epoch)
      for i in stride(from: samples.count - 1, to: 0, by: -1) {
        let j = SeedMixer.integer(below: i + 1, &rng)
        if i != j { samples.swapAt(i, j) }
      }
    }
    return samples
  }

  /// Batches per epoch: `count / batchSize`, rounded down with drop-last, up without.
  static func steps(samples: Int, batchSize: Int, dropLast: Bool) -> Int {
    dropLast ? samples / batchSize : (samples + batchSize - 1) / batchSize
  }
}
