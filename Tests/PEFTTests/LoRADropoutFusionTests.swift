import Foundation
import Layers
import PEFT
import Tensors
import Testing

/// The fused LoRA dropout (`LoRADropoutKernel`, used by `LoRALinear` with dropout) against a
/// straightforward reference: drop(x) materialised with `DropoutRNG.apply`, then plain loops.
/// N = 37 rows is not a multiple of the block (8 rows here, and the default); in = 23 makes the
/// draw end inside a 64-bit output.
struct LoRADropoutFusionTests {
  static let (n, r, p): (Int, Int, Float) = (37, 4, 0.3)

  struct Reference {
    var hidden: [Float]  // drop(x) Aᵀ        [N, r]
    var dA: [Float]      // dhᵀ drop(x)       [r, in]
    var dxPath: [Float]  // (dh A) ⊙ scales   [N, in]
  }

  /// The three products by plain loops (in Double) on a materialised drop(x) and scales.
  static func reference(x: [Float], a: [Float], dh: [Float], inFeatures i: Int, start: DropoutRNG.State) -> Reference {
    var dropped = [Float](repeating: 0, count: n * i)
    x.withUnsafeBufferPointer { DropoutRNG.apply(startingAt: start, p: p, from: $0.baseAddress!, to: &dropped, count: n * i) }
    let scales = DropoutRNG.scales(startingAt: start, count: n * i, p: p)
    var ref = Reference(hidden: [], dA: [], dxPath: [])
    ref.hidden = (0..<(n * r)).map { e in
      let (t, j) = e.quotientAndRemainder(dividingBy: r)
      return Float((0..<i).reduce(0.0) { $0 + Double(dropped[t * i + $1]) * Double(a[j * i + $1]) })
    }
    ref.dA = (0..<(r * i)).map { e in
      let (j, q) = e.quotientAndRemainder(dividingBy: i)
      return Float((0..<n).reduce(0.0) { $0 + Double(dh[$1 * r + j]) * Double(dropped[$1 * i + q]) })
    }
    ref.dxPath = (0..<(n * i)).map { e in
      let (t, q) = e.quotientAndRemainder(dividingBy: i)
      return Float((0..<r).reduce(0.0) { $0 + Double(dh[t * r + $1]) * Double(a[$1 * i + q]) }) * scales[e]
    }
    return ref
  }

  static func maxRelative(_ a: [Float], _ b: [Float]) -> Float {
    let scale = max(b.map { abs($0) }.max() ?? 0, 1e-30)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
  }

  @Test(arguments: [24, 23], [8, nil as Int?])
  func kernelMatchesTheReference(inFeatures i: Int, blockRows: Int?) {
    var rng = SeededRNG(seed: 21)
    let x = (0..<(Self.n * i)).map { _ in rng.normal() }, a = (0..<(Self.r * i)).map { _ in rng.normal() }
    let dh = (0..<(Self.n * Self.r)).map { _ in rng.normal() }, dx0 = (0..<(Self.n * i)).map { _ in rng.normal() }
    let stream = DropoutRNG(seed: 5)
    _ = stream.reserve(count: 40)
    let start = stream.reserve(count: Self.n * i)
    let ref = Self.reference(x: x, a: a, dh: dh, inFeatures: i, start: start)

    var hidden = [Float](repeating: .nan, count: Self.n * Self.r)
    LoRADropoutKernel.forward(seed: start.seed, counter: start.counter, p: Self.p, x: x, rows: Self.n, inFeatures: i,
                              a: a, rank: Self.r, hidden: &hidden, blockRows: blockRows)
    #expect(Self.maxRelative(hidden, ref.hidden) <= 1e-5)

    var dA = [Float](repeating: .nan, count: Self.r * i), dx = dx0  // dA overwritten, dx accumulated
    LoRADropoutKernel.backward(seed: start.seed, counter: start.counter, p: Self.p, x: x, dh: dh, rows: Self.n,
                               inFeatures: i, a: a, rank: Self.r, dA: &dA, dABeta: 0, dx: &dx, blockRows: blockRows)
    #expect(Self.maxRelative(dA, ref.dA) <= 1e-5)
    #expect(Self.maxRelative(zip(dx, dx0).map { $0 - $1 }, ref.dxPath) <= 1e-5)

    var dA2 = dA, dxOnly = dx0  // accumulating into dA; dA alone; dx alone
    LoRADropoutKernel.backward(seed: start.seed, counter: start.counter, p: Self.p, x: x, dh: dh, rows: Self.n,
                               inFeatures: i, a: a, rank: Self.r, dA: &dA2, dABeta: 1, dx: nil, blockRows: blockRows)
    #expect(Self.maxRelative(dA2, ref.dA.map { 2 * $0 }) <= 1e-5)
    LoRADropoutKernel.backward(seed: start.seed, counter: start.counter, p: Self.p, x: nil, dh: dh, rows: Self.n,
                               inFeatures: i, a: a, rank: Self.r, dA: nil, dABeta: 0, dx: &dxOnly, blockRows: blockRows)
    #expect(dxOnly == dx, "dx does not depend on whether dA is computed")
  }

  /// The masks are the draw's. With a zero base, positive A, B and dy (so dh > 0 and dh A > 0),
  /// dx is zero exactly where the draw dropped; with x nonzero only in row 33 (in the last, partial
  /// block), dA[j, q] = dh[33, j] · drop(x)[33, q] is zero exactly where that row was dropped.
  @Test func dxAndDAZerosAreTheDrawsDrops() {
    let i = 23, row = 33
    var rng = SeededRNG(seed: 8)
    let base = Linear("m", inFeatures: i, outFeatures: 6, bias: false)
    base.weight.value = Tensor(zeros: [6, i])
    base.setTrainable(false)
    func positive(_ shape: [Int]) -> Tensor {
      Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in 0.5 + abs(rng.normal()) })
    }
    let lora = LoRALinear(wrapping: base, loraA: positive([Self.r, i]), loraB: positive([6, Self.r]),
                          scaling: 1, dropout: Self.p, dropoutRNG: DropoutRNG(seed: 12))
    _ = lora.dropoutRNG.reserve(count: 4)
    let start = lora.dropoutRNG.state
    let scales = DropoutRNG.scales(startingAt: start, count: Self.n * i, p: Self.p)
    #expect(scales.contains(0) && scales.contains { $0 != 0 })
    let dy = positive([Self.n, 6])

    _ = lora.forward(positive([Self.n, i]), training: true)
    let dx = lora.backward(dy, inputGradient: true)!
    for k in 0..<(Self.n * i) { #expect((dx.data[k] == 0) == (scales[k] == 0), "dx[\(k)]") }

    lora.loraA.zeroGradient()
    var sparse = Tensor(zeros: [Self.n, i])
    for q in 0..<i { sparse.data[row * i + q] = 1 + Float(q) }
    lora.dropoutRNG.state = start
    _ = lora.forward(sparse, training: true)
    _ = lora.backward(dy, inputGradient: false)
    let dA = lora.loraA.grad!
    for j in 0..<Self.r {
      for q in 0..<i { #expect((dA.data[j * i + q] == 0) == (scales[row * i + q] == 0), "dA[\(j), \(q)]") }
    }
  }

  /// The layer's fused forward and backward against the reference (x, A, B, dy random; base random
  /// and frozen), dx = dy W + scaling · ((dy B) A) ⊙ scales.
  @Test func layerMatchesTheReference() {
    let i = 24, o = 10, scaling: Float = 2
    var rng = SeededRNG(seed: 30)
    let base = Linear("m", inFeatures: i, outFeatures: o)
    base.weight.value = Tensor.randomNormal([o, i], rng: &rng)
    base.setTrainable(false)
    let a = Tensor.randomNormal([Self.r, i], rng: &rng), b = Tensor.randomNormal([o, Self.r], rng: &rng)
    let lora = LoRALinear(wrapping: base, loraA: a, loraB: b, scaling: scaling, dropout: Self.p, dropoutRNG: DropoutRNG(seed: 2))
    let x = Tensor.randomNormal([Self.n, i], rng: &rng), dy = Tensor.randomNormal([Self.n, o], rng: &rng)
    let start = lora.dropoutRNG.state
    let y = lora.forward(x, training: true)
    let dx = lora.backward(dy, inputGradient: true)!
    let dh = dy.matmul(b).data.map { scaling * $0 }
    let ref = Self.reference(x: x.data, a: a.data, dh: dh, inFeatures: i, start: start)
    let hidden = Tensor(shape: [Self.n, Self.r], data: ref.hidden)
    let expectedY = zip(base.forward(x, training: false).data, hidden.matmul(transposed: b).data).map { $0 + scaling * $1 }
    #expect(Self.maxRelative(y.data, expectedY) <= 1e-5)
    let expectedDx = zip(dy.matmul(base.weight.value).data, ref.dxPath).map { $0 + $1 }
    #expect(Self.maxRelative(dx.data, expectedDx) <= 1e-5)
    #expect(Self.maxRelative(lora.loraA.grad!.data, ref.dA) <= 1e-5)
    let dB = dy.transposedMatmul(hidden).data.map { scaling * $0 }
    #expect(Self.maxRelative(lora.loraB.grad!.data, dB) <= 1e-5)
  }

  /// Same inputs, same thread count: bit-identical outputs and gradients.
  @Test func fusedPathIsDeterministic() {
    func run() -> (y: Tensor, dx: Tensor, dA: Tensor, dB: Tensor) {
      var rng = SeededRNG(seed: 3)
      let base = Linear("m", inFeatures: 300, outFeatures: 40)
      base.weight.value = Tensor.randomNormal([40, 300], rng: &rng)
      base.setTrainable(false)
      let lora = LoRALinear(wrapping: base, loraA: Tensor.randomNormal([8, 300], rng: &rng),
                            loraB: Tensor.randomNormal([40, 8], rng: &rng), scaling: 2, dropout: 0.1,
                            dropoutRNG: DropoutRNG(seed: 4))
      let x = Tensor.randomNormal([1100, 300], rng: &rng), dy = Tensor.randomNormal([1100, 40], rng: &rng)
      let y = lora.forward(x, training: true)
      let dx = lora.backward(dy, inputGradient: true)!
      return (y, dx, lora.loraA.grad!, lora.loraB.grad!)
    }
    let first = run(), second = run()
    #expect(first.y == second.y && first.dx == second.dx && first.dA == second.dA && first.dB == second.dB)
  }
}
