import Tensors

/// Independent random streams from one seed: each random choice gets its own ``SeededRNG``,
/// seeded by hashing (seed, purpose, epoch, …) with SplitMix64's finaliser, so a draw never depends
/// on how many draws came before it or on which thread ran first.
public enum SeedMixer {
  /// What a stream is for; part of the hash so streams for different purposes never coincide.
  public enum Purpose: UInt64, Sendable {
    case shuffle = 0x5348_5546_464C_4531    // per epoch: the order of samples
    case caption = 0x4341_5054_494F_4E31    // per (epoch, item): which caption
    case augment = 0x4155_474D_454E_5431    // per (epoch, item, caption): crop and flip
    case fewShotOrder = 0x4653_4F52_4445_5231    // few-shot sub-run, per epoch: the order of samples
    case fewShotAugment = 0x4653_4155_474D_3131  // few-shot sub-run, per (epoch, position): crop and flip
    case fewShotInit = 0x4653_494E_4954_3131     // few-shot sub-run: the init of trainable tensors
    case fewShotDropout = 0x4653_4452_4F50_3131  // few-shot sub-run: the dropout stream
  }

  /// SplitMix64's step and finaliser (a bijection on 64-bit words).
  @inline(__always)
  public static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The generator for `purpose` at `values` (epoch, item, …) under `seed`.
  public static func rng(_ seed: UInt64, _ purpose: Purpose, _ values: Int...) -> SeededRNG {
    var h = mix(seed ^ purpose.rawValue)
    for v in values { h = mix(h ^ UInt64(bitPattern: Int64(v))) }
    return SeededRNG(seed: h)
  }

  /// Uniform integer in `0..<bound` without modulo bias.
  public static func integer(below bound: Int, _ rng: inout SeededRNG) -> Int {
    precondition(bound > 0, "bound must be positive")
    let b = UInt64(bound)
    let threshold = (0 &- b) % b
    while true {
      let r = rng.next()
      if r >= threshold { return Int(r % b) }
    }
  }

  /// `0..<count` in the order a Fisher–Yates shuffle driven by `rng` gives (as `EpochPlanner`).
  public static func permutation(_ count: Int, _ rng: inout SeededRNG) -> [Int] {
    var order = Array(0..<count)
    for i in stride(from: count - 1, to: 0, by: -1) {
      let j = integer(below: i + 1, &rng)
      if i != j { order.swapAt(i, j) }
    }
    return order
  }
}
