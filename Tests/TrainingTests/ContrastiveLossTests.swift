import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing
import Training

/// The contrastive loss against transformers' `CLIPModel(return_loss=True)` + autograd
/// (Scripts/fixtures/make_training_fixtures.py) and against finite differences of an independent
/// Double-precision implementation.
struct ContrastiveLossTests {
  let f: SafeTensorsFile
  init() throws { f = try SafeTensorsFile(contentsOf: Fixtures.url("training/loss.safetensors")) }

  @Test(arguments: ["b5", "b5_scaled", "b1"])
  func matchesTransformers(_ name: String) throws {
    let r = ContrastiveLoss.lossAndGradients(imageEmbeds: try f.tensor("\(name).image_embeds"),
                                             textEmbeds: try f.tensor("\(name).text_embeds"),
                                             logitScale: try f.tensor("\(name).logit_scale").data[0])
    let loss = try f.tensor("\(name).loss").data[0]
    #expect(abs(r.loss - loss) <= 1e-6 * max(1, abs(loss)), "loss \(r.loss) vs \(loss)")
    let checks: [(Tensor, String)] = [
      (r.logitsPerText, "logits_per_text"), (r.imageEmbedsGradient, "grad_image_embeds"),
      (r.textEmbedsGradient, "grad_text_embeds"), (Tensor(shape: [1], data: [r.logitScaleGradient]), "grad_logit_scale"),
    ]
    for (mine, field) in checks {
      let ref = try f.tensor("\(name).\(field)")
      #expect(mine.shape == ref.shape, "\(name).\(field): \(mine.shape) vs \(ref.shape)")
      let c = Closeness(mine.data, ref.data)
      // A batch of one has zero gradients: compare absolutely there.
      #expect(name == "b1" ? c.maxAbs <= 1e-6 : c.maxRelToScale <= 1e-5, "\(name).\(field): \(c)")
    }
  }

  @Test func lossAloneEqualsLossWithGradients() throws {
    let (img, txt) = (try f.tensor("b5.image_embeds"), try f.tensor("b5.text_embeds"))
    let s = try f.tensor("b5.logit_scale").data[0]
    #expect(ContrastiveLoss.loss(imageEmbeds: img, textEmbeds: txt, logitScale: s)
            == ContrastiveLoss.lossAndGradients(imageEmbeds: img, textEmbeds: txt, logitScale: s).loss)
  }

  @Test(arguments: [(6, 9, Float(2.659), UInt64(1)), (4, 16, 4.6, 2), (3, 5, 0, 3)])
  func gradientsMatchFiniteDifferences(b: Int, d: Int, logitScale: Float, seed: UInt64) {
    var rng = SeededRNG(seed: seed)
    var img = Tensor.randomNormal([b, d], rng: &rng), txt = Tensor.randomNormal([b, d], rng: &rng)
    for j in 0..<d { img.data[j] *= 0.05; txt.data[d + j] *= 7 }  // rows of very different norms
    let r = ContrastiveLoss.lossAndGradients(imageEmbeds: img, textEmbeds: txt, logitScale: logitScale)
    let x0 = img.data.map(Double.init) + txt.data.map(Double.init) + [Double(logitScale)]
    let reference = DoubleCLIPLoss(batch: b, dim: d)
    #expect(abs(Double(r.loss) - reference.loss(x0)) <= 1e-6 * max(1, reference.loss(x0)))
    let numeric = reference.centralDifferences(at: x0, h: 1e-6).map(Float.init)
    let analytic = r.imageEmbedsGradient.data + r.textEmbedsGradient.data + [r.logitScaleGradient]
    let c = Closeness(analytic, numeric)
    #expect(c.maxRelToScale <= 2e-5, "\(c)")
    // Each block on its own scale too (the image gradient dwarfs the text one for small rows).
    let n = b * d
    for (range, what) in [(0..<n, "image"), (n..<(2 * n), "text"), ((2 * n)..<(2 * n + 1), "logit scale")] {
      let cb = Closeness(Array(analytic[range]), Array(numeric[range]))
      #expect(cb.maxRelToScale <= 2e-5, "\(what): \(cb)")
    }
  }

  @Test func clampLogitScaleKeepsRange() {
    let p = Parameter("logit_scale", Tensor(shape: [1], data: [5.3]))
    clampLogitScale(p)
    #expect(p.value.data == [Float(log(100.0))])
    p.value.data = [-0.5]
    clampLogitScale(p)
    #expect(p.value.data == [0])
    p.value.data = [2.5]
    clampLogitScale(p, max: 2)
    #expect(p.value.data == [2])
    p.value.data = [3.25]
    clampLogitScale(p)
    #expect(p.value.data == [3.25])
  }
}

/// CLIP's loss in Double, written independently of the Swift implementation under test
/// (straight from the definition), for finite differences. x = image rows ++ text rows ++ [scale].
struct DoubleCLIPLoss {
  let batch: Int, dim: Int

  func loss(_ x: [Double]) -> Double {
    let (b, d) = (batch, dim)
    func row(_ base: Int, _ i: Int) -> [Double] {
      let r = Array(x[(base + i * d)..<(base + (i + 1) * d)])
      let norm = r.reduce(0) { $0 + $1 * $1 }.squareRoot()
      return r.map { $0 / norm }
    }
    let images = (0..<b).map { row(0, $0) }, texts = (0..<b).map { row(b * d, $0) }
    let scale = exp(x[2 * b * d])
    let logits = texts.map { t in images.map { im in zip(t, im).reduce(0) { $0 + $1.0 * $1.1 } * scale } }
    func crossEntropy(_ rows: [[Double]]) -> Double {
      rows.indices.reduce(0) { acc, i in acc + log(rows[i].reduce(0) { $0 + exp($1) }) - rows[i][i] } / Double(b)
    }
    let transposed = (0..<b).map { j in (0..<b).map { i in logits[i][j] } }
    return (crossEntropy(logits) + crossEntropy(transposed)) / 2
  }

  func centralDifferences(at x: [Double], h: Double) -> [Double] {
    x.indices.map { k in
      var up = x, down = x
      up[k] += h
      down[k] -= h
      return (loss(up) - loss(down)) / (2 * h)
    }
  }
}
