import Foundation
import Layers
import PEFT
import Tensors
import Testing

struct LoRAFrozenDropoutTests {
  /// A loaded (frozen) adapter with dropout still passes input gradients through both paths,
  /// with the dropout mask regenerated from its RNG state.
  @Test func frozenAdapterWithDropoutGivesInputGradient() {
    var rng = SeededRNG(seed: 1)
    let base = Linear("m", inFeatures: 6, outFeatures: 4)
    base.weight.value = Tensor.randomNormal([4, 6], rng: &rng)
    base.setTrainable(false)
    let lora = LoRALinear(wrapping: base, loraA: Tensor.randomNormal([2, 6], rng: &rng), loraB: Tensor.randomNormal([4, 2], rng: &rng),
                          scaling: 2, dropout: 0.5, dropoutRNG: DropoutRNG(seed: 3))
    lora.loraA.trainable = false
    lora.loraB.trainable = false
    let x = Tensor.randomNormal([5, 6], rng: &rng), dy = Tensor.randomNormal([5, 4], rng: &rng)
    let start = lora.dropoutRNG.state
    _ = lora.forward(x, training: true)
    let dx = lora.backward(dy, inputGradient: true)!
    // Reference: dx = dy W + scaling · ((dy B) A) ⊙ mask, with the mask the forward drew.
    let mask = DropoutRNG.scales(startingAt: start, count: 30, p: 0.5)
    var expected = dy.matmul(base.weight.value)
    let path = dy.matmul(lora.loraB.value).matmul(lora.loraA.value)
    for k in 0..<30 { expected.data[k] += 2 * path.data[k] * mask[k] }
    #expect(dx.shape == [5, 6])
    #expect(zip(dx.data, expected.data).allSatisfy { abs($0 - $1) < 1e-5 })
    #expect(lora.loraA.grad == nil && lora.loraB.grad == nil)
  }
}
