import Layers
import Tensors
import TestSupport
import Testing

/// `PatchEmbedding` against a direct stride-p convolution written out in Double (non-square input,
/// 2 channels, bias): output, dW and db within 1e-5 of their scale. (Parity with transformers'
/// `nn.Conv2d` is covered through ViTEncoderTests and the CLIP tests.)
struct PatchEmbeddingTests {
  /// Deterministic values in [-1, 1).
  static func values(_ n: Int, seed: UInt64) -> [Float] {
    var s = seed
    return (0..<n).map { _ in
      s = s &* 6364136223846793005 &+ 1442695040888963407
      return Float(Double(s >> 40) / Double(1 << 24) * 2 - 1)
    }
  }

  @Test func matchesDirectConvolution() {
    let (b, ch, h, w, p, c) = (2, 2, 8, 12, 4, 5)
    let (gh, gw) = (h / p, w / p)
    let layer = PatchEmbedding("proj", channels: ch, dim: c, patchSize: p)
    #expect(layer.parameters.map(\.name) == ["proj.weight", "proj.bias"] && layer.weight.shape == [c, ch, p, p])
    layer.weight.value = Tensor(shape: [c, ch, p, p], data: Self.values(c * ch * p * p, seed: 1))
    layer.bias!.value = Tensor(shape: [c], data: Self.values(c, seed: 2))
    let pixels = Tensor(shape: [b, ch, h, w], data: Self.values(b * ch * h * w, seed: 3))
    #expect(layer.inputProblem(pixels) == nil)
    let y = layer.forward(pixels, training: true)
    #expect(y.shape == [b, gh * gw, c])
    let d = Tensor(shape: [b, gh * gw, c], data: Self.values(b * gh * gw * c, seed: 4))
    layer.backward(d)

    func px(_ i: Int, _ cc: Int, _ yy: Int, _ xx: Int) -> Double { Double(pixels.data[((i * ch + cc) * h + yy) * w + xx]) }
    func wt(_ o: Int, _ cc: Int, _ ky: Int, _ kx: Int) -> Double { Double(layer.weight.value.data[((o * ch + cc) * p + ky) * p + kx]) }
    var expected = [Float](), dW = [Double](repeating: 0, count: c * ch * p * p), db = [Double](repeating: 0, count: c)
    for i in 0..<b {
      for gy in 0..<gh {
        for gx in 0..<gw {
          let row = (i * gh + gy) * gw + gx
          for o in 0..<c {
            var sum = Double(layer.bias!.value.data[o])
            let g = Double(d.data[row * c + o])
            db[o] += g
            for cc in 0..<ch {
              for ky in 0..<p {
                for kx in 0..<p {
                  sum += wt(o, cc, ky, kx) * px(i, cc, gy * p + ky, gx * p + kx)
                  dW[((o * ch + cc) * p + ky) * p + kx] += g * px(i, cc, gy * p + ky, gx * p + kx)
                }
              }
            }
            expected.append(Float(sum))
          }
        }
      }
    }
    if let m = mismatches(y.data, expected, tolerance: 1e-5, relative: true) { Issue.record("y: \(m)") }
    if let m = mismatches(layer.weight.grad!.data, dW.map { Float($0) }, tolerance: 1e-5, relative: true) { Issue.record("dW: \(m)") }
    if let m = mismatches(layer.bias!.grad!.data, db.map { Float($0) }, tolerance: 1e-5, relative: true) { Issue.record("db: \(m)") }
  }

  @Test func frozenWeightKeepsNoColumnsAndGetsNoGradient() {
    let layer = PatchEmbedding("proj", channels: 1, dim: 3, patchSize: 2, bias: true)
    layer.weight.trainable = false
    _ = layer.forward(Tensor(shape: [1, 1, 4, 4], data: Self.values(16, seed: 5)), training: true)
    layer.backward(Tensor(shape: [1, 4, 3], data: Array(repeating: 1, count: 12)))
    #expect(layer.weight.grad == nil)
    #expect(layer.bias!.grad!.data == [4, 4, 4])
    let noBias = PatchEmbedding("p", channels: 3, dim: 2, patchSize: 2, bias: false)
    #expect(noBias.parameters.map(\.name) == ["p.weight"])
  }

  @Test func badInputsAreDescribed() {
    let layer = PatchEmbedding("proj", channels: 3, dim: 4, patchSize: 4)
    #expect(layer.inputProblem(Tensor(zeros: [1, 3, 10, 8]))?.contains("not a positive multiple of the patch size 4") == true)
    #expect(layer.inputProblem(Tensor(zeros: [1, 1, 8, 8]))?.contains("[B, 3, H, W]") == true)
    #expect(layer.inputProblem(Tensor(zeros: [3, 8, 8])) != nil)
  }
}
