import Foundation
import Layers
import PEFT
import Tensors
import Testing

/// Inverted dropout on the LoRA path: seeded, replayable, with the right keep rate and scale.
struct DropoutTests {
  /// y = Σ_j drop(x)_j with x = 1: base zero, A = ones [1, in], B = ones [1, 1], scaling 1.
  static func summingLayer(inFeatures: Int, dropout: Float, rng: DropoutRNG) -> LoRALinear {
    let base = Linear("sum", inFeatures: inFeatures, outFeatures: 1, bias: false)
    base.setTrainable(false)
    return LoRALinear(wrapping: base, loraA: Tensor(repeating: 1, shape: [1, inFeatures]),
                      loraB: Tensor(repeating: 1, shape: [1, 1]), scaling: 1, dropout: dropout, dropoutRNG: rng)
  }

  /// The out-of-place and accumulating forms apply exactly the mask the in-place form applies
  /// (odd count: the tail lanes too).
  @Test func outOfPlaceAndAccumulatingFormsMatchInPlace() {
    let n = 10_003, stream = DropoutRNG(seed: 9)
    _ = stream.reserve(count: 40)
    let start = stream.reserve(count: n)
    var rng = SeededRNG(seed: 1)
    let x = (0..<n).map { _ in rng.normal() }, base = (0..<n).map { _ in rng.normal() }
    var inPlace = x, outOfPlace = [Float](repeating: .nan, count: n), accumulated = base
    DropoutRNG.apply(startingAt: start, p: 0.3, to: &inPlace, count: n)
    x.withUnsafeBufferPointer { xp in
      DropoutRNG.apply(startingAt: start, p: 0.3, from: xp.baseAddress!, to: &outOfPlace, count: n)
      DropoutRNG.apply(startingAt: start, p: 0.3, from: xp.baseAddress!, to: &accumulated, count: n, accumulate: true)
    }
    #expect(outOfPlace == inPlace)
    #expect(accumulated == zip(base, inPlace).map { $0 + $1 })
  }

  @Test func keepRateAndScaleAreRight() {
    let (rows, width, p): (Int, Int, Float) = (2000, 100, 0.25)
    let layer = Self.summingLayer(inFeatures: width, dropout: p, rng: DropoutRNG(seed: 5))
    let x = Tensor(repeating: 1, shape: [rows, width])
    let y = layer.forward(x, training: true)
    var kept = 0
    for v in y.data {  // each row sums kept elements, each scaled to 1 / (1 − p)
      let count = v * (1 - p)
      #expect(abs(count - count.rounded()) < 1e-3, "row sum \(v) is not a multiple of 1/(1-p)")
      kept += Int(count.rounded())
    }
    let keepRate = Double(kept) / Double(rows * width)
    #expect(abs(keepRate - 0.75) < 0.005, "keep rate \(keepRate)")  // σ ≈ 0.001
    let mean = y.data.reduce(0, +) / Float(rows * width)
    #expect(abs(mean - 1) < 0.01, "E[drop(x)] = \(mean), want x = 1")
    #expect(layer.forward(x, training: false).data.allSatisfy { $0 == Float(width) }, "no dropout at inference")
  }

  @Test func masksAreReproducibleFromTheSeedAndReplayable() throws {
    var gen = SeededRNG(seed: 3)
    let x = Tensor.randomNormal([4, 7, 20], rng: &gen)
    func output(seed: UInt64) -> Tensor { Self.summingLayer(inFeatures: 20, dropout: 0.5, rng: DropoutRNG(seed: seed)).forward(x, training: true) }
    #expect(output(seed: 11) == output(seed: 11))
    #expect(output(seed: 11) != output(seed: 12))

    let rng = DropoutRNG(seed: 11)
    let layer = Self.summingLayer(inFeatures: 20, dropout: 0.5, rng: rng)
    let saved = try JSONEncoder().encode(rng)  // a checkpoint of the stream
    let first = layer.forward(x, training: true)
    #expect(layer.forward(x, training: true) != first, "the stream advances")
    rng.state = try JSONDecoder().decode(DropoutRNG.self, from: saved).state
    #expect(layer.forward(x, training: true) == first, "restored state replays the masks")
    #expect(first == output(seed: 11))
  }

  @Test func layersOfOneAdapterShareTheStream() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 2, dropout: 0.2), to: model, seed: 4)
    #expect(adapter.layers.allSatisfy { $0.dropoutRNG === adapter.dropoutRNG && $0.dropout == Float(0.2) })
  }
}
