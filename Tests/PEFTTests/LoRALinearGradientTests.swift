import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// LoRALinear forward and backward against PyTorch autograd on PEFT's `lora.Linear`
/// (Tests/Fixtures/peft/linear_grad.safetensors: Linear(12 → 10), r = 3, alpha = 6, no dropout)
/// and against central finite differences (the loss Σ y ⊙ dy is linear in each of A, B and x, so
/// differences are exact up to rounding).
struct LoRALinearGradientTests {
  static let tolerance: Float = 1e-5

  struct Case {
    let layer: LoRALinear
    let file: SafeTensorsFile
    let x: Tensor, dy: Tensor
  }

  static func load(dropout: Float = 0, rng: DropoutRNG = DropoutRNG(seed: 0)) throws -> Case {
    let file = try SafeTensorsFile(contentsOf: Fixtures.url("peft/linear_grad.safetensors"))
    let base = Linear("proj", inFeatures: 12, outFeatures: 10)
    base.weight.value = try file.tensor("weight")
    base.bias!.value = try file.tensor("bias")
    base.setTrainable(false)
    let layer = LoRALinear(wrapping: base, loraA: try file.tensor("lora_A"), loraB: try file.tensor("lora_B"),
                           scaling: 6.0 / 3.0, dropout: dropout, dropoutRNG: rng)
    return Case(layer: layer, file: file, x: try file.tensor("x"), dy: try file.tensor("dy"))
  }

  /// Σ y ⊙ dy in Double.
  static func loss(_ layer: LoRALinear, _ x: Tensor, _ dy: Tensor, training: Bool) -> Double {
    let y = layer.forward(x, training: training)
    return zip(y.data, dy.data).reduce(0) { $0 + Double($1.0) * Double($1.1) }
  }

  @Test func forwardAndGradientsMatchAutograd() throws {
    let c = try Self.load()
    #expect(c.layer.loraA.name == "proj.lora_A.weight" && c.layer.loraB.name == "proj.lora_B.weight")
    let y = c.layer.forward(c.x, training: true)
    expectClose(y, try c.file.tensor("y"), tolerance: Self.tolerance, "y")
    let dx = try #require(c.layer.backward(c.dy, inputGradient: true))
    expectClose(dx, try c.file.tensor("grad_x"), tolerance: Self.tolerance, "dx")
    expectClose(try #require(c.layer.loraA.grad), try c.file.tensor("grad_lora_A"), tolerance: Self.tolerance, "dA")
    expectClose(try #require(c.layer.loraB.grad), try c.file.tensor("grad_lora_B"), tolerance: Self.tolerance, "dB")
    #expect(c.layer.base.parameters.allSatisfy { $0.grad == nil }, "the frozen base gets no gradient")
  }

  @Test func gradientsAccumulateAndRespectFrozenMatrices() throws {
    let c = try Self.load()
    for _ in 0..<2 {
      _ = c.layer.forward(c.x, training: true)
      _ = c.layer.backward(c.dy, inputGradient: false)
    }
    var twice = try c.file.tensor("grad_lora_B")
    twice.scale(by: 2)
    expectClose(try #require(c.layer.loraB.grad), twice, tolerance: Self.tolerance, "dB after two steps")

    let d = try Self.load()
    d.layer.loraA.trainable = false
    _ = d.layer.forward(d.x, training: true)
    let dx = try #require(d.layer.backward(d.dy, inputGradient: true))
    #expect(d.layer.loraA.grad == nil)
    expectClose(try #require(d.layer.loraB.grad), try d.file.tensor("grad_lora_B"), tolerance: Self.tolerance, "dB, A frozen")
    expectClose(dx, try d.file.tensor("grad_x"), tolerance: Self.tolerance, "dx, A frozen")
  }

  @Test(arguments: [Float(0), 0.3])
  func gradientsMatchFiniteDifferences(dropout: Float) throws {
    let rng = DropoutRNG(seed: 99)
    let c = try Self.load(dropout: dropout, rng: rng)
    let start = rng.state
    _ = c.layer.forward(c.x, training: true)
    let dx = try #require(c.layer.backward(c.dy, inputGradient: true))
    let dA = try #require(c.layer.loraA.grad), dB = try #require(c.layer.loraB.grad)

    let eps: Float = 0.1
    /// (L(v + eps) − L(v − eps)) / 2eps for the value read and written by `get`/`set`;
    /// every forward replays the same dropout masks.
    func difference(get: () -> Float, set: (Float) -> Void, x: () -> Tensor) -> Float {
      let v = get()
      set(v + eps); rng.state = start; let up = Self.loss(c.layer, x(), c.dy, training: true)
      set(v - eps); rng.state = start; let down = Self.loss(c.layer, x(), c.dy, training: true)
      set(v)
      return Float((up - down) / Double(2 * eps))
    }
    var numeric = Tensor(zeros: dA.shape)
    for k in 0..<dA.count {
      numeric.data[k] = difference(get: { c.layer.loraA.value.data[k] }, set: { c.layer.loraA.value.data[k] = $0 }, x: { c.x })
    }
    expectClose(dA, numeric, tolerance: 1e-4, "dA vs finite differences, dropout \(dropout)")
    numeric = Tensor(zeros: dB.shape)
    for k in 0..<dB.count {
      numeric.data[k] = difference(get: { c.layer.loraB.value.data[k] }, set: { c.layer.loraB.value.data[k] = $0 }, x: { c.x })
    }
    expectClose(dB, numeric, tolerance: 1e-4, "dB vs finite differences, dropout \(dropout)")
    var x = c.x
    numeric = Tensor(zeros: dx.shape)
    for k in 0..<dx.count {
      numeric.data[k] = difference(get: { x.data[k] }, set: { x.data[k] = $0 }, x: { x })
    }
    expectClose(dx, numeric, tolerance: 1e-4, "dx vs finite differences, dropout \(dropout)")
    if dropout > 0 {  // with masks the LoRA part of dx differs from the no-dropout autograd fixture
      #expect(Closeness(dx.data, try c.file.tensor("grad_x").data).maxRelToScale > 1e-3)
    }
  }

  @Test func mergedWeightGivesTheSameOutput() throws {
    let c = try Self.load()
    let adapted = c.layer.forward(c.x, training: false)
    let merged = c.layer.mergeIntoBase()
    expectClose(merged.forward(c.x), adapted, tolerance: Self.tolerance, "merged Linear vs LoRA")
  }
}
