import Captioning
import Foundation
import Layers
import Tensors
import TestSupport
import Testing

/// The ViT encoder's training dropout (`hidden_dropout_prob` on the embeddings and each layer's
/// residual branches, `attention_probs_dropout_prob` on the attention probabilities): p 0 is
/// today's computation bit for bit, inference never drops, the masks sit where transformers puts
/// them at rate p with kept values scaled 1/(1−p), replays are bit-identical, and backward is the
/// gradient of exactly the masked forward (central differences with the masks held fixed).
struct ViTDropoutTests {
  static func encoder(seed: UInt64, layers: Int = 2) -> (ViTEncoder, Tensor) {
    var c = ViTEncoderTests.tinyConfig
    c.numHiddenLayers = layers
    let e = ViTEncoder(c)
    var rng = SeededRNG(seed: seed)
    for p in e.parameters { p.value = Tensor.randomNormal(p.shape, std: 0.4, rng: &rng) }
    for p in e.parameters where p.name.contains("layernorm") && p.name.hasSuffix(".weight") {
      p.value = Tensor(repeating: 1, shape: p.shape)  // keep the LayerNorms well away from 0
      p.value.data = p.value.data.map { $0 + Float.random(in: -0.2...0.2, using: &rng) }
    }
    return (e, Tensor.randomNormal([2, 3, 32, 32], rng: &rng))
  }

  /// Σ out ⊙ g after a training forward + backward from g; returns (out, gradients by parameter).
  static func trainingPass(_ e: ViTEncoder, _ pixels: Tensor, _ g: Tensor) -> (Tensor, [Tensor?]) {
    for p in e.parameters { p.zeroGradient() }
    let out = e.forward(pixels, training: true)
    e.backward(g)
    return (out, e.parameters.map(\.grad))
  }

  @Test func zeroRatesAreTodaysComputationAndInferenceNeverDrops() {
    let (e, pixels) = Self.encoder(seed: 1)
    var rng = SeededRNG(seed: 2)
    let g = Tensor.randomNormal([2, 17, 16], rng: &rng)
    let plain = e.forward(pixels)
    let (trained, grads) = Self.trainingPass(e, pixels, g)
    let stream = DropoutRNG(seed: 9)
    e.setDropout(hidden: 0, attention: 0, rng: stream)
    let (zeroOut, zeroGrads) = Self.trainingPass(e, pixels, g)
    #expect(zeroOut.data == trained.data, "p 0 changed the training forward")
    for (a, b) in zip(grads, zeroGrads) { #expect(a?.data == b?.data, "p 0 changed a gradient") }
    #expect(stream.state.counter == 0, "p 0 drew from the stream")
    e.setDropout(hidden: 0.3, attention: 0.3, rng: stream)
    #expect(e.forward(pixels).data == plain.data, "dropout in an inference forward")
    #expect(e.forward(pixels, training: false, dropout: false).data == plain.data)
    #expect(stream.state.counter == 0, "an inference forward drew from the stream")
    let (dropped, _) = Self.trainingPass(e, pixels, g)
    #expect(dropped.data != plain.data, "no dropout in a training forward")
    // Draws per forward, in order: the embeddings (B·(N+1)·C), then per layer the probabilities
    // (B·H blocks of (N+1)² rounded up to 4) and the two residual branches.
    let bt = 2 * 17 * 16, probs = 2 * 4 * ((17 * 17 + 3) & ~3)
    #expect(stream.state.counter == UInt64(bt + 2 * (probs + 2 * bt)))
    e.setDropout(hidden: 0, attention: 0, rng: stream)
    #expect(Self.trainingPass(e, pixels, g).0.data == trained.data, "setting 0 again did not remove the dropout")
  }

  @Test func embeddingDropoutCoversTheWholeSequenceIncludingCLS() throws {
    let (e, pixels) = Self.encoder(seed: 3, layers: 0)
    let stream = DropoutRNG(seed: 4)
    e.setDropout(hidden: 0.25, attention: 0.25, rng: stream)
    let start = stream.state
    let out = e.forward(pixels, training: false, dropout: true)
    // Reference: e = [cls; patches] + pos, times the draw's scales, then `layernorm`.
    let patches = e.patchEmbedding.forward(pixels), c = 16, tokens = 17
    var x = Tensor(zeros: [2, tokens, c])
    let cls = e.classToken.value.data, pos = e.positionEmbeddings.value.data
    for b in 0..<2 {
      for j in 0..<c { x.data[b * tokens * c + j] = cls[j] + pos[j] }
      for t in 1..<tokens { for j in 0..<c { x.data[(b * tokens + t) * c + j] = patches.data[(b * 16 + t - 1) * c + j] + pos[t * c + j] } }
    }
    let scales = DropoutRNG.scales(startingAt: start, count: x.count, p: 0.25)
    for k in 0..<x.count { x.data[k] *= scales[k] }
    let expected = e.layerNorm.forward(x)
    if let m = mismatches(out.data, expected.data, tolerance: 1e-6, relative: true) { Issue.record("output: \(m)") }
    let clsScales = (0..<2).flatMap { b in scales[(b * tokens * c)..<(b * tokens * c + c)] }
    #expect(clsScales.contains(0), "the CLS rows were never dropped")
  }

  @Test func dropsAboutPAndScalesKeptValuesOnBothPaths() {
    // A block whose attention output is exactly 1 everywhere (zero weights, output bias 1) and whose
    // MLP output is 0: from x = 0 the block gives drop(1) — the residual dropout itself.
    let p: Float = 0.2, keep = 1 / (1 - p)
    let stream = DropoutRNG(seed: 6)
    let block = TransformerBlock("b", dim: 16, heads: 4, hidden: 8, activation: .gelu, eps: 1e-5, causal: false)
    block.residualDropout = DropoutSource(p: p, rng: stream)
    for q in block.parameters where q.name.hasSuffix("out_proj.bias") { q.value = Tensor(repeating: 1, shape: q.shape) }
    let y = block.forward(Tensor(zeros: [250, 20, 16]), training: true)
    func check(_ values: [Float], _ what: String) {
      let zeros = values.filter { $0 == 0 }.count
      #expect(abs(Double(zeros) / Double(values.count) - Double(p)) < 0.01, "\(what): dropped \(zeros) of \(values.count)")
      #expect(values.allSatisfy { $0 == 0 || abs($0 - keep) <= 1e-6 * keep }, "\(what): a kept value is not 1/(1−p)")
    }
    check(y.data, "residual")
    // Attention over one token: P = [1], so drop(P)·v with v = 1 (value bias 1) and an identity
    // out_proj is 0 or 1/(1−p) for each (image, head) across its Dh columns.
    let attention = MultiHeadAttention("a", dim: 16, heads: 4, causal: false)
    attention.attentionDropout = DropoutSource(p: p, rng: stream)
    for q in attention.parameters {
      if q.name.hasSuffix("v_proj.bias") { q.value = Tensor(repeating: 1, shape: q.shape) }
      if q.name.hasSuffix("out_proj.weight") { for i in 0..<16 { q.value.data[i * 16 + i] = 1 } }
    }
    let a = attention.forward(Tensor(zeros: [20_000, 1, 16]), training: true)
    let heads = stride(from: 0, to: a.count, by: 4).map { a.data[$0] }
    #expect(stride(from: 0, to: a.count, by: 4).allSatisfy { k in (k..<(k + 4)).allSatisfy { a.data[$0] == a.data[k] } },
            "one probability's mask differs across its head's columns")
    check(heads, "attention probabilities")
  }

  @Test func replayedStreamGivesBitIdenticalRuns() {
    var results: [[Float]] = []
    for _ in 0..<2 {
      let (e, pixels) = Self.encoder(seed: 7)
      e.setDropout(hidden: 0.1, attention: 0.2, rng: DropoutRNG(seed: 8))
      var rng = SeededRNG(seed: 9)
      let g = Tensor.randomNormal([2, 17, 16], rng: &rng)
      var trace: [Float] = []
      for _ in 0..<3 {  // three steps of plain SGD: each sees new masks
        let (out, grads) = Self.trainingPass(e, pixels, g)
        trace += out.data
        for (p, grad) in zip(e.parameters, grads) {
          guard let grad else { continue }
          for k in 0..<p.value.count { p.value.data[k] -= 0.01 * grad.data[k] }
        }
      }
      results.append(trace + e.parameters.flatMap(\.value.data))
    }
    #expect(results[0] == results[1], "two runs from the same stream differ")
    let (e, pixels) = Self.encoder(seed: 7)
    let stream = DropoutRNG(seed: 8)
    e.setDropout(hidden: 0.1, attention: 0.2, rng: stream)
    let first = e.forward(pixels, training: true)
    e.backward(Tensor(zeros: first.shape))
    #expect(e.forward(pixels, training: true).data != first.data, "the next forward reused the masks")
  }

  /// Every trainable parameter's gradient (the pooler gets none) against central differences of
  /// Σ out ⊙ g with the stream rewound before each forward, so the masks stay fixed.
  static func checkFiniteDifferences(_ e: ViTEncoder, _ pixels: Tensor, stream: DropoutRNG, minimum: Int) {
    var rng = SeededRNG(seed: 12)
    let g = Tensor.randomNormal([2, 17, 16], rng: &rng)
    let start = stream.state
    func loss() -> Double {
      stream.state = start
      let out = e.forward(pixels, training: true)
      e.backward(g)  // drop the caches
      for p in e.parameters { p.zeroGradient() }
      return zip(out.data, g.data).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    stream.state = start
    let (_, analytic) = Self.trainingPass(e, pixels, g)
    var checked = 0
    for (index, p) in e.parameters.enumerated() where p.trainable && !p.name.contains("pooler") {
      guard let grad = analytic[index] else { Issue.record("\(p.name): no gradient"); continue }
      for k in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 3)) {
        let numeric = centralDifference(get: { p.value.data[k] }, set: { p.value.data[k] = $0 }, loss: loss)
        let exact = Double(grad.data[k])
        #expect(abs(numeric - exact) <= 0.02 * abs(exact) + 3e-3, "\(p.name)[\(k)]: numeric \(numeric), backward \(exact)")
        checked += 1
      }
    }
    #expect(checked >= minimum)
    for (index, p) in e.parameters.enumerated() where !p.trainable { #expect(analytic[index] == nil, "\(p.name) frozen but got a gradient") }
  }

  @Test(arguments: [(Float(0.1), Float(0.2)), (Float(0.2), Float(0.1))])
  func backwardIsTheGradientOfTheMaskedForward(hidden: Float, attention: Float) {
    let (e, pixels) = Self.encoder(seed: 10)
    let stream = DropoutRNG(seed: 11)
    e.setDropout(hidden: hidden, attention: attention, rng: stream)
    Self.checkFiniteDifferences(e, pixels, stream: stream, minimum: 80)
  }

  @Test func frozenLowerLayersStillDropAndTheUpperGradientsMatch() {
    // Embeddings and layer 0 frozen: they run without caches but still draw and drop, so layer 1
    // sees the same masked inputs in every forward of the check.
    let (e, pixels) = Self.encoder(seed: 13)
    for p in e.parameters where p.name.contains("embeddings") || p.name.contains("layer.0.") { p.trainable = false }
    let stream = DropoutRNG(seed: 14)
    e.setDropout(hidden: 0.2, attention: 0.2, rng: stream)
    let before = stream.state.counter
    let plain = e.forward(pixels)
    let out = e.forward(pixels, training: true)
    e.backward(Tensor(zeros: out.shape))
    let bt = 2 * 17 * 16, probs = 2 * 4 * ((17 * 17 + 3) & ~3)
    #expect(stream.state.counter - before == UInt64(bt + 2 * (probs + 2 * bt)), "frozen layers skipped their draws")
    #expect(out.data != plain.data)
    Self.checkFiniteDifferences(e, pixels, stream: stream, minimum: 25)
  }

  @Test func aWhollyFrozenEncoderStillDropsInATrainingForward() throws {
    // LoRA on the decoder only leaves the encoder frozen; transformers' train() mode still drops there.
    let model = try CaptionModel.load(directory: Fixtures.url("captioner/tiny"))
    model.encoder.setTrainable(false)
    model.encoderProjection?.setTrainable(false)
    #expect(!model.encoderSideTrains)
    let stream = DropoutRNG(seed: 15)
    model.encoder.setDropout(hidden: 0.1, attention: 0.1, rng: stream)
    var rng = SeededRNG(seed: 16)
    let pixels = Tensor.randomNormal([2, 3, 32, 32], rng: &rng)
    let plain = try model.encode(pixels)
    #expect(stream.state.counter == 0)
    let dropped = try model.encode(pixels, training: true)
    #expect(stream.state.counter > 0 && dropped.data != plain.data, "a frozen encoder did not drop in training")
    #expect(try model.encode(pixels).data == plain.data, "an inference encode dropped")
  }

  @Test func configRefusesRatesOutsideTheUnitInterval() throws {
    for (key, value) in [("hidden_dropout_prob", 1.0), ("attention_probs_dropout_prob", -0.1), ("hidden_dropout_prob", 1.5)] {
      var d = ViTEncoderTests.tinyConfig.jsonObject
      d[key] = value
      do {
        _ = try ViTConfig(dictionary: d, section: "encoder", file: "config.json")
        Issue.record("\(key) \(value) accepted")
      } catch let error as CaptioningError {
        #expect("\(error)".contains("'encoder.\(key)' must be in [0, 1)"), "\(error)")
      }
    }
    var d = ViTEncoderTests.tinyConfig.jsonObject
    d["hidden_dropout_prob"] = 0.1
    d["attention_probs_dropout_prob"] = 0.2
    let c = try ViTConfig(dictionary: d, section: "encoder", file: "config.json")
    #expect(c.dropouts == (0.1, 0.2))
  }
}
