import Foundation
import Tensors

/// The random stream behind dropout — LoRA's (shared by every layer of an adapter) and GPT-2's
/// own (embedding, attention-probability and residual dropout of the captioner's decoder).
///
/// Counter-based: mask value k of a draw that starts at counter c depends only on (seed, c + k)
/// (16 bits of SplitMix64 of their combination, four values per 64-bit output), so masks are
/// generated in parallel, applied in place without being stored, and regenerated in backward from
/// the draw's start alone. `state` (seed, counter) is all a checkpoint needs to continue the
/// stream exactly. A value is dropped when its 16 bits fall below round(p·2¹⁶), so p is realised
/// to within 2⁻¹⁷ (0.1 → 0.100006).
public final class DropoutRNG: @unchecked Sendable, Codable {
  /// Where the stream stands: the seed and the number of values drawn so far (a multiple of 4).
  public struct State: Codable, Equatable, Sendable {
    public var seed: UInt64
    public var counter: UInt64
  }

  private var current: State
  private let lock = NSLock()

  public init(seed: UInt64) { current = State(seed: seed, counter: 0) }

  /// The stream position; setting it replays (or skips) draws.
  public var state: State {
    get { lock.lock(); defer { lock.unlock() }; return current }
    set { lock.lock(); defer { lock.unlock() }; current = newValue }
  }

  /// Reserves `count` values and returns the state they start from.
  public func reserve(count: Int) -> State {
    lock.lock(); defer { lock.unlock() }
    let start = current
    current.counter &+= UInt64((count + 3) & ~3)  // keep draws aligned to whole 64-bit outputs
    return start
  }

  /// Draws `count` dropout scales (0 with probability p, else 1/(1−p)) as an array.
  public func dropoutScales(count: Int, p: Float) -> [Float] {
    Self.scales(startingAt: reserve(count: count), count: count, p: p)
  }

  /// The scales a draw of `count` values starting at `state` gives (the shared stream is not touched).
  public static func scales(startingAt state: State, count: Int, p: Float) -> [Float] {
    var out = [Float](repeating: 1, count: count)
    out.withUnsafeMutableBufferPointer { apply(startingAt: state, p: p, to: $0.baseAddress!, count: count) }
    return out
  }

  /// Multiplies `values[k]` by the k-th scale of the draw starting at `state`, in place, in parallel.
  public static func apply(startingAt state: State, p: Float, to values: UnsafeMutablePointer<Float>, count: Int) {
    apply(startingAt: state, p: p, from: UnsafePointer(values), to: values, count: count)
  }

  /// Writes `source[k]` times the k-th scale of the draw starting at `state` into `destination[k]`
  /// (or adds it there, with `accumulate`), in parallel: drop(x) in one pass, without copying x
  /// first. The two may be the same buffer when not accumulating.
  public static func apply(startingAt state: State, p: Float, from source: UnsafePointer<Float>,
                           to destination: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool = false) {
    DropoutKernel.apply(seed: state.seed, counter: state.counter, p: p, from: source, to: destination,
                        count: count, accumulate: accumulate)
  }

  private enum CodingKeys: String, CodingKey { case state }
  public init(from decoder: Decoder) throws {
    current = try decoder.container(keyedBy: CodingKeys.self).decode(State.self, forKey: .state)
  }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(state, forKey: .state)
  }
}

/// A dropout probability and the stream its masks come from (GPT-2's embedding, attention and
/// residual dropout). Active only in training forwards, and only with p > 0.
public struct DropoutSource: @unchecked Sendable {
  public var p: Float
  public let rng: DropoutRNG
  public init(p: Float, rng: DropoutRNG) {
    precondition(p >= 0 && p < 1, "dropout \(p) outside [0, 1)")
    self.p = p
    self.rng = rng
  }

  /// Drops elements of `x` in place (a training forward): returns where the draw started, for
  /// `backward`; nil when p is 0 (nothing drawn, nothing changed).
  public func forward(_ x: inout Tensor) -> DropoutRNG.State? {
    guard p > 0 else { return nil }
    let start = rng.reserve(count: x.count)
    let n = x.count
    x.data.withUnsafeMutableBufferPointer { DropoutRNG.apply(startingAt: start, p: p, to: $0.baseAddress!, count: n) }
    return start
  }

  /// The gradient through the draw that started at `start`: the same scales on dy (a copy).
  public func backward(_ dy: Tensor, startingAt start: DropoutRNG.State?) -> Tensor {
    guard let start else { return dy }
    var dx = dy
    let n = dx.count
    dx.data.withUnsafeMutableBufferPointer { DropoutRNG.apply(startingAt: start, p: p, to: $0.baseAddress!, count: n) }
    return dx
  }
}
