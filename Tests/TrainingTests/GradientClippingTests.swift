import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing
import Training

/// `clipGradientNorm` against torch.nn.utils.clip_grad_norm_ (Scripts/fixtures/make_training_fixtures.py),
/// plus the norm of a large gradient and the finiteness check.
struct GradientClippingTests {
  let f: SafeTensorsFile
  init() throws { f = try SafeTensorsFile(contentsOf: Fixtures.url("training/clipping.safetensors")) }

  @Test(arguments: ["clipped", "unclipped"])
  func matchesTorch(_ label: String) throws {
    var params = try ["a", "b", "c"].map { n -> Parameter in
      let g = try f.tensor("grad.\(n)")
      let p = Parameter(n, Tensor(zeros: g.shape))
      p.grad = g
      return p
    }
    params.append(Parameter("no_grad", Tensor(zeros: [3])))
    let norm = clipGradientNorm(params, maxNorm: try f.tensor("\(label).max_norm").data[0])
    let expected = try f.tensor("\(label).norm").data[0]
    #expect(abs(norm - expected) <= 1e-6 * expected, "norm \(norm) vs \(expected)")
    for p in params.prefix(3) {
      let c = Closeness(p.grad!.data, try f.tensor("\(label).\(p.name)").data)
      #expect(c.maxRelToScale <= 1e-6, "\(label).\(p.name): \(c)")
    }
    #expect(params[3].grad == nil)
  }

  @Test func normOfLargeGradientsIsAccurate() {
    var rng = SeededRNG(seed: 11)
    let sizes = [300_001, 17, 65_536 * 3]  // over several parallel chunks, odd tails
    let params = sizes.enumerated().map { i, n -> Parameter in
      let p = Parameter("p\(i)", Tensor(zeros: [n]))
      p.grad = Tensor.randomNormal([n], std: Float(i + 1), rng: &rng)
      return p
    }
    let exact = params.reduce(0.0) { acc, p in acc + p.grad!.data.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
    let norm = gradientNorm(params)
    #expect(abs(Double(norm) - exact) <= 2e-7 * exact, "\(norm) vs \(exact)")
    let before = params.map { $0.grad! }
    #expect(clipGradientNorm(params, maxNorm: 2.5) == norm)
    let scale = (1 / (norm + 1e-6)) * 2.5
    for (p, g) in zip(params, before) {
      let mismatches = zip(p.grad!.data, g.data).filter { $0 != $1 * scale }.count
      #expect(mismatches == 0, "\(p.name): \(mismatches) of \(g.count) elements not scaled by \(scale)")
    }
    #expect(abs(gradientNorm(params) - 2.5) <= 1e-5 * 2.5)
  }

  @Test(arguments: [Float.nan, .infinity, -.infinity])
  func nonFiniteGradientsAreDetected(_ bad: Float) {
    let p = Parameter("w", Tensor(zeros: [100_000]))
    let q = Parameter("v", Tensor(zeros: [5]))
    p.grad = Tensor(repeating: 1e-3, shape: [100_000])
    q.grad = Tensor(repeating: -2, shape: [5])
    #expect(gradientsAreFinite([p, q]))
    p.grad!.data[77_777] = bad
    #expect(!gradientsAreFinite([p, q]))
    #expect(!gradientsAreFinite([q, p]))
    let norm = clipGradientNorm([p, q], maxNorm: 1)
    #expect(!norm.isFinite)
    #expect(q.grad!.data == [Float](repeating: -2, count: 5))  // left alone when the norm is not finite
    p.grad!.data[77_777] = 3e38  // large but finite
    #expect(gradientsAreFinite([p, q]))
    q.grad!.data[4] = bad  // in a tail shorter than the vector width
    #expect(!gradientsAreFinite([p, q]))
  }
}
