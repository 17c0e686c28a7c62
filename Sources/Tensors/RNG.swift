import Foundation

/// Seeded, reproducible random numbers (xoshiro256**, seeded through SplitMix64).
/// The same seed gives the same sequence on every platform.
public struct SeededRNG: RandomNumberGenerator, Sendable, Codable, Equatable {
  private var s: (UInt64, UInt64, UInt64, UInt64)

  public init(seed: UInt64) {
    var z = seed
    func splitmix() -> UInt64 {
      z &+= 0x9E37_79B9_7F4A_7C15
      var x = z
      x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
      x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
      return x ^ (x >> 31)
    }
    s = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  public mutating func next() -> UInt64 {
    let result = rotl(s.1 &* 5, 7) &* 9
    let t = s.1 << 17
    s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
    s.2 ^= t
    s.3 = rotl(s.3, 45)
    return result
  }

  @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// Uniform in [0, 1) with 24 bits of precision.
  public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

  /// Uniform in [low, high).
  public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniform() }

  /// Standard normal (Box–Muller).
  public mutating func normal() -> Float {
    let u1 = max(Double(next() >> 11) * 0x1.0p-53, .leastNonzeroMagnitude)
    let u2 = Double(next() >> 11) * 0x1.0p-53
    return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
  }

  // Codable / Equatable over the four state words, so checkpoints can save and restore RNG state.
  private enum CodingKeys: String, CodingKey { case state }
  public init(from decoder: Decoder) throws {
    let w = try decoder.container(keyedBy: CodingKeys.self).decode([UInt64].self, forKey: .state)
    guard w.count == 4 else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "RNG state needs 4 words"))
    }
    s = (w[0], w[1], w[2], w[3])
  }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode([s.0, s.1, s.2, s.3], forKey: .state)
  }
  public static func == (a: SeededRNG, b: SeededRNG) -> Bool {
    a.s.0 == b.s.0 && a.s.1 == b.s.1 && a.s.2 == b.s.2 && a.s.3 == b.s.3
  }
}

extension Tensor {
  /// Normal(0, std) entries from `rng`.
  public static func randomNormal(_ shape: [Int], std: Float = 1, rng: inout SeededRNG) -> Tensor {
    Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.normal() * std })
  }

  /// Uniform[low, high) entries from `rng`.
  public static func randomUniform(_ shape: [Int], low: Float, high: Float, rng: inout SeededRNG) -> Tensor {
    Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(low, high) })
  }
}
