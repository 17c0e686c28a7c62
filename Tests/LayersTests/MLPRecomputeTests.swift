import Layers
import Tensors
import TestSupport
import Testing

/// The MLP keeps only its pre-activation between forward and backward and recomputes f(h) for
/// fc2's weight gradient: every gradient must have the bits of the plain composition, in which fc2
/// keeps f(h) itself.
struct MLPRecomputeTests {
  @Test(arguments: Activation.allCases)
  func gradientsAreThoseOfThePlainComposition(_ act: Activation) throws {
    let mlp = MLP("m", dim: 24, hidden: 40, activation: act)
    var rng = SeededRNG(seed: 21)
    for p in mlp.parameters { p.value = Tensor.randomNormal(p.shape, std: 0.3, rng: &rng) }
    let x = Tensor.randomNormal([3, 5, 24], rng: &rng), dy = Tensor.randomNormal([3, 5, 24], rng: &rng)

    _ = mlp.forward(x, training: true)
    let dx = try #require(mlp.backward(dy, inputGradient: true))
    let grads = mlp.parameters.map { $0.grad!.data }

    // The plain composition on the same layers, fc2 keeping f(h).
    for p in mlp.parameters { p.grad = nil }
    var h = mlp.fc1.forward(x, training: true)
    let pre = h
    let n = h.count
    h.data.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, count: n) }
    _ = mlp.fc2.forward(h, training: true)
    var dh = try #require(mlp.fc2.backward(dy, inputGradient: true))
    pre.data.withUnsafeBufferPointer { hp in
      dh.data.withUnsafeMutableBufferPointer { act.backward(x: hp.baseAddress!, grad: $0.baseAddress!, count: n) }
    }
    let dxPlain = try #require(mlp.fc1.backward(dh, inputGradient: true))

    #expect(mismatches(dx.data.map(\.bitPattern), dxPlain.data.map(\.bitPattern)) == nil, "dx")
    for (p, g) in zip(mlp.parameters, grads) {
      #expect(mismatches(g.map(\.bitPattern), p.grad!.data.map(\.bitPattern)) == nil, "\(p.name)")
    }
  }

  @Test func fc2KeepsNoCopyOfTheActivationBetweenForwardAndBackward() {
    let mlp = MLP("m", dim: 8, hidden: 16, activation: .quickGELU)
    var rng = SeededRNG(seed: 3)
    _ = mlp.forward(Tensor.randomNormal([4, 8], rng: &rng), training: true)
    #expect(mlp.fc2.releaseCachedInput() == false, "fc2 still held f(h) after the MLP's forward")
  }
}
