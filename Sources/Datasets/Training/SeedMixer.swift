import Tensors

/// Independent random streams from one seed: each random choice gets its own ``SeededRNG``,
/// seeded by hashing (seed, purpose, epoch, …) with SplitMix64's finaliser, so a draw never depends
/// on how many draws came before it or on which thread ran first.
enum SeedMixer {
  /// What a stream is for; part of the hash so streams for different purposes never coincide.
  enum Purpose: UInt64 {
    case shuffle = 0x5348_5546_464C_4531    // per epoch: the order of samples
    case caption = 0x4341_5054_494F_4E31    // per (epoch, item): which caption
    case augment = 0x4155_474D_454E_5431    // per (epoch, item, caption): crop and flip
  }

  /// SplitMix64's step and finaliser (a bijection on 64-bit words).
  @inline(__always)
  static func mix(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The generator for `purpose` at `values` (epoch, item, …) under `seed`.
  static func rng(_ seed: UInt64, _ purpose: Purpose, _ values: Int...) -> SeededRNG {
    var h = mix(seed ^ purpose.rawValue)
    for v in values { h = mix(h ^ UInt64(bitPattern: Int64(v))) }
    return SeededRNG(seed: h)
  }

  /// Uniform integer in `0..<bound` without modulo bias.
  static func integer(below bound: Int, _ rng: inout SeededRNG) -> Int {
    precondition(bound > 0, "bound must be positive")
    let b = UInt64(bound)
    let threshold = (0 &- b) % b
    while true {
      let r = rng.next()
      if r >= threshold { return Int(r % b) }
    }
  }
}
