import Tensors

/// The few random draws augmentation needs, taken from a ``SeededRNG`` with fixed, documented
/// arithmetic (not the standard library's `random(in:)`, whose algorithm may change between Swift
/// releases) so a seed gives the same crops and flips on every platform and toolchain.
enum RandomDraw {
  /// Uniform in [0, 1) with 53 bits of precision.
  @inline(__always)
  static func unit(_ rng: inout SeededRNG) -> Double {
    Double(rng.next() >> 11) * 0x1.0p-53
  }

  /// Uniform in [low, high) (torch's `uniform_(low, high)`).
  @inline(__always)
  static func uniform(_ low: Double, _ high: Double, _ rng: inout SeededRNG) -> Double {
    low + (high - low) * unit(&rng)
  }

  /// Uniform integer in `0..<bound` without modulo bias (rejection of the short top range).
  static func integer(below bound: Int, _ rng: inout SeededRNG) -> Int {
    precondition(bound > 0, "bound must be positive")
    let b = UInt64(bound)
    let threshold = (0 &- b) % b  // 2^64 mod b: values below it would over-represent small results
    while true {
      let r = rng.next()
      if r >= threshold { return Int(r % b) }
    }
  }
}
