import Captioning
import Foundation
import Layers
import Tensors
import TestSupport
import Testing

/// GPT-2's training dropout (embedding, attention probabilities, residual branches): off in
/// inference, the same masks when the stream is replayed, and a backward that is the gradient of
/// exactly that masked function (central differences with the masks held fixed).
struct GPT2DropoutTests {
  static func decoder(seed: UInt64) -> (GPT2Decoder, Tensor) {
    let d = GPT2Decoder(vocabulary: 20, positions: 8, dim: 8, heads: 2, layers: 2, hidden: 16)
    var rng = SeededRNG(seed: seed)
    for p in d.parameters { p.value = Tensor.randomNormal(p.shape, std: 0.4, rng: &rng) }
    return (d, Tensor.randomNormal([2, 5, 8], rng: &rng))
  }

  static let ids = [[3, 7, 1, 12, 5, 0], [9, 9, 2, 4, 18, 6]]

  @Test func inferenceIgnoresDropoutAndReplayGivesTheSameMasks() {
    let (d, e) = Self.decoder(seed: 1)
    let plain = d.forward(Self.ids, encoder: e)
    let stream = DropoutRNG(seed: 7)
    d.setDropout(residual: 0.3, embedding: 0.3, attention: 0.3, rng: stream)
    #expect(d.forward(Self.ids, encoder: e).data == plain.data, "dropout in an inference forward")
    let start = stream.state
    let a = d.forward(Self.ids, encoder: e, training: true)
    _ = d.backward(a, encoderGradient: false)
    #expect(a.data != plain.data, "no dropout in a training forward")
    stream.state = start
    let b = d.forward(Self.ids, encoder: e, training: true)
    _ = d.backward(b, encoderGradient: false)
    #expect(a.data == b.data, "the replayed stream gave other masks")
  }

  @Test func backwardIsTheGradientOfTheMaskedForward() {
    let (d, e) = Self.decoder(seed: 2)
    let stream = DropoutRNG(seed: 11)
    d.setDropout(residual: 0.25, embedding: 0.2, attention: 0.3, rng: stream)
    var rng = SeededRNG(seed: 3)
    let g = Tensor.randomNormal([2, 6, 20], rng: &rng)
    let start = stream.state
    func loss() -> Double {
      stream.state = start
      let logits = d.forward(Self.ids, encoder: e, training: true)
      _ = d.backward(logits, encoderGradient: false)  // drop the caches
      for p in d.parameters { p.zeroGradient() }
      return zip(logits.data, g.data).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    stream.state = start
    _ = d.forward(Self.ids, encoder: e, training: true)
    _ = d.backward(g, encoderGradient: false)
    let analytic = d.parameters.map { $0.grad }
    var checked = 0
    for (index, p) in d.parameters.enumerated() where p.value.count > 1 {
      guard let grad = analytic[index] else { Issue.record("\(p.name): no gradient"); continue }
      for k in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 3)) {
        let numeric = centralDifference(get: { p.value.data[k] }, set: { p.value.data[k] = $0 }, loss: loss)
        let exact = Double(grad.data[k])
        #expect(abs(numeric - exact) <= 0.02 * abs(exact) + 2e-3, "\(p.name)[\(k)]: numeric \(numeric), backward \(exact)")
        checked += 1
      }
    }
    #expect(checked > 60)
  }

  @Test func dropsAboutPOfTheValuesAndKeepsTheMean() {
    let source = DropoutSource(p: 0.1, rng: DropoutRNG(seed: 5))
    var x = Tensor(repeating: 1, shape: [100_000])
    _ = source.forward(&x)
    let zeros = x.data.filter { $0 == 0 }.count
    #expect(abs(Double(zeros) / 100_000 - 0.1) < 0.005, "dropped \(zeros)")
    let mean = x.data.reduce(0, +) / 100_000
    #expect(abs(mean - 1) < 0.01, "mean \(mean)")
  }
}
