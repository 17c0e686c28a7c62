import Foundation
import Tensors

/// A random stream shared by reference between layers, so that dropout masks depend only on the
/// seed and the order of forward passes. Its `state` can be saved and restored (checkpoints,
/// resumed runs, re-running a forward pass with the same masks).
public final class DropoutRNG: @unchecked Sendable, Codable {
  private var generator: SeededRNG
  private let lock = NSLock()

  public init(seed: UInt64) { generator = SeededRNG(seed: seed) }

  /// The generator's current state; setting it rewinds or forwards the stream.
  public var state: SeededRNG {
    get { lock.lock(); defer { lock.unlock() }; return generator }
    set { lock.lock(); defer { lock.unlock() }; generator = newValue }
  }

  /// Inverted-dropout scales for `count` elements: 0 with probability `p`, else 1 / (1 − p)
  /// (so the expected value of x · scale is x). Two elements per 64 random bits.
  public func dropoutScales(count: Int, p: Float) -> [Float] { drawScales(count: count, p: p).scales }

  /// Draws `count` dropout scales and returns them with the generator state they started from,
  /// so the same mask can be regenerated later (`scales(startingAt:count:p:)`) instead of stored.
  public func drawScales(count: Int, p: Float) -> (scales: [Float], start: SeededRNG) {
    lock.lock(); defer { lock.unlock() }
    let start = generator
    return (Self.fill(&generator, count: count, p: p), start)
  }

  /// The scales `drawScales` returned when the generator was at `state` (the shared stream is not touched).
  public static func scales(startingAt state: SeededRNG, count: Int, p: Float) -> [Float] {
    var generator = state
    return fill(&generator, count: count, p: p)
  }

  /// 0 with probability p, else 1/(1−p): a uniform 32-bit draw below p·2³² drops (two per 64-bit output).
  private static func fill(_ generator: inout SeededRNG, count: Int, p: Float) -> [Float] {
    precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
    let keep = 1 / (1 - p)
    let threshold = UInt64((Double(p) * 4_294_967_296).rounded())
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      var i = 0
      while i < count {
        let bits = generator.next()
        buffer[i] = (bits & 0xFFFF_FFFF) < threshold ? 0 : keep
        if i + 1 < count { buffer[i + 1] = (bits >> 32) < threshold ? 0 : keep }
        i += 2
      }
      initialized = count
    }
  }

  private enum CodingKeys: String, CodingKey { case state }
  public init(from decoder: Decoder) throws {
    generator = try decoder.container(keyedBy: CodingKeys.self).decode(SeededRNG.self, forKey: .state)
  }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(state, forKey: .state)
  }
}
