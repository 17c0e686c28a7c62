import Foundation
import Tensors

/// Draws the few-shot training set of a classification study: `K` images per class from a
/// dataset's `train` pool, the same on every run and machine for the same `(K, seed)`.
///
/// The draw for class `c` (its training images in `train` order, `n` of them) uses its own
/// generator, so it depends only on `K`, the seed, `c` and that class's images:
///
///     mix(x)  = SplitMix64's finaliser of x &+ 0x9E3779B97F4A7C15
///     state_c = mix(mix(mix(seed ^ 0x4645_5753_484F_5431) ^ UInt64(K)) ^ UInt64(c))
///     rng_c   = SeededRNG(seed: state_c)        // xoshiro256**, seeded through SplitMix64
///
/// - `K ≤ n`: a partial Fisher–Yates shuffle of the class's images: for `j` in `0..<K`, swap
///   position `j` with `j + below(n - j)`; the first `K`, in that order, are the draw.
/// - `K > n`: an error, unless `repeat` is set; then `K` draws `below(n)` with replacement (as
///   Dassl's `generate_fewshot_dataset(repeat=True)` does for classes that are too small).
///
/// `below(b)` is uniform in `0..<b` without bias: draw 64-bit words `r` from `rng_c` until
/// `r ≥ (2⁶⁴ − b) mod b`, then return `r mod b`. (Swift's `Int.random(in:using:)` is not used: its
/// algorithm is not promised to stay the same.)
public enum FewShotSampler {
  /// Mixed into the first hash ("FEWSHOT1"), so these streams differ from every other use of a seed.
  static let salt: UInt64 = 0x4645_5753_484F_5431
  /// Most images a draw may produce (shots × classes); checked before anything is allocated.
  public static let maximumDrawn = 10_000_000

  /// The draw of `shots` per class from `dataset.train` under `seed`: indices into `train`, class
  /// by class (label order) and within a class in draw order, with the record a run folder
  /// writes as `fewshot_draw.json`. Throws `DatasetError` (naming `dataset.root`) when shots is
  /// not positive, a class has no training images, a class has fewer than `K` without `repeat`,
  /// or `K` × classes is over `maximumDrawn`.
  public static func draw(from dataset: ClassificationDataset, shots: Shots, seed: UInt64,
                          repeat withReplacement: Bool = false) throws -> FewShotDraw {
    func fail(_ message: String) -> DatasetError { DatasetError(file: dataset.root.path, message: message) }
    let classCount = dataset.classNames.count
    guard classCount > 0 else { throw fail("the dataset has no classes") }
    var members = [[Int]](repeating: [], count: classCount)
    for (i, s) in dataset.train.enumerated() {
      guard (0..<classCount).contains(s.label) else {
        throw fail("training image \(i) has label \(s.label), outside the \(classCount) classes")
      }
      members[s.label].append(i)
    }
    if let c = members.firstIndex(where: \.isEmpty) {
      throw fail("class '\(dataset.classNames[c])' has no training images")
    }

    var indices: [Int] = []
    switch shots {
    case .all:
      indices = members.flatMap { $0 }
    case .perClass(let k):
      guard k > 0 else { throw fail("shots must be at least 1, got \(k)") }
      if !withReplacement, let c = members.firstIndex(where: { $0.count < k }) {
        let n = members[c].count
        throw fail("class '\(dataset.classNames[c])' has \(n) training image\(n == 1 ? "" : "s"), fewer than \(k) shots (sample with replacement to allow it)")
      }
      let (total, overflow) = k.multipliedReportingOverflow(by: classCount)
      guard !overflow, total <= maximumDrawn else {
        throw fail("\(k) shots × \(classCount) classes is over the limit of \(maximumDrawn) images")
      }
      indices.reserveCapacity(total)
      for (c, images) in members.enumerated() {
        indices += drawClass(images, shots: k, seed: seed, classIndex: c)
      }
    }
    let record = FewShotRecord(shots: shots, seed: seed, withReplacement: withReplacement, classNames: dataset.classNames,
                               samples: indices.map { FewShotRecord.Sample(path: dataset.relativePath(dataset.train[$0]),
                                                                          label: dataset.train[$0].label, index: $0) })
    return FewShotDraw(indices: indices, record: record)
  }

  /// `shots` of `images` for class `classIndex`: without replacement when there are enough,
  /// else with replacement (see the type's documentation).
  static func drawClass(_ images: [Int], shots k: Int, seed: UInt64, classIndex: Int) -> [Int] {
    var rng = generator(shots: k, seed: seed, classIndex: classIndex)
    let n = images.count
    if k > n { return (0..<k).map { _ in images[below(n, &rng)] } }
    var pool = images
    for j in 0..<k { pool.swapAt(j, j + below(n - j, &rng)) }
    return Array(pool[0..<k])
  }

  /// The generator of class `classIndex`'s draw.
  static func generator(shots k: Int, seed: UInt64, classIndex: Int) -> SeededRNG {
    var h = mix(seed ^ salt)
    h = mix(h ^ UInt64(k))
    h = mix(h ^ UInt64(classIndex))
    return SeededRNG(seed: h)
  }

  /// SplitMix64's step and finaliser.
  static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in `0..<bound` (bound > 0) by rejection: unbiased, and fixed here for good.
  static func below(_ bound: Int, _ rng: inout SeededRNG) -> Int {
    let b = UInt64(bound)
    let threshold = (0 &- b) % b
    while true {
      let r = rng.next()
      if r >= threshold { return Int(r % b) }
    }
  }
}
