import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Each layer's backward against PyTorch autograd (Scripts/fixtures/make_layer_fixtures.py writes,
/// per case, an upstream gradient `dy` and autograd's gradients of L = Σ dy·y).
/// Tolerance: 1e-5 relative to each gradient's largest magnitude, or 1e-5 absolute for gradients
/// that are zero in exact arithmetic (k_proj's bias: softmax ignores a constant added to a row).
struct LayerGradientTests {
  static let tolerance: Float = 1e-5
  let f: SafeTensorsFile

  init() throws { f = try SafeTensorsFile(contentsOf: Fixtures.url("layers/layers.safetensors")) }

  /// Loads `container`'s parameters from `<fixture>.<name without prefix>`.
  func load(_ container: ParameterContainer, prefix: String, fixture: String) throws {
    for p in container.parameters { p.value = try f.tensor(fixture + "." + p.name.dropFirst(prefix.count + 1)); p.grad = nil }
  }

  func expectGradients(_ container: ParameterContainer, prefix: String, fixture: String, dx: Tensor?) throws {
    if let dx {
      let c = Closeness(dx.data, try f.tensor("\(fixture).grad.x").data)
      #expect(c.maxRelToScale <= Self.tolerance, "\(fixture) dx: \(c)")
    }
    for p in container.parameters {
      let key = "\(fixture).grad." + p.name.dropFirst(prefix.count + 1)
      guard let g = p.grad else { Issue.record("\(p.name) got no gradient"); continue }
      let c = Closeness(g.data, try f.tensor(key).data)
      #expect(c.maxRelToScale <= Self.tolerance || c.maxAbs <= 1e-5, "\(key): \(c)")
    }
  }

  @Test func linear() throws {
    let layer = Linear("l", inFeatures: 20, outFeatures: 12)
    try load(layer, prefix: "l", fixture: "linear")
    _ = layer.forward(try f.tensor("linear.x"), training: true)
    let dx = layer.backward(try f.tensor("linear.dy"), inputGradient: true)
    try expectGradients(layer, prefix: "l", fixture: "linear", dx: dx)
  }

  @Test func layerNorm() throws {
    let layer = LayerNorm("ln", dim: 40, eps: 1e-5)
    try load(layer, prefix: "ln", fixture: "layernorm")
    _ = layer.forward(try f.tensor("layernorm.x"), training: true)
    let dx = layer.backward(try f.tensor("layernorm.dy"), inputGradient: true)
    try expectGradients(layer, prefix: "ln", fixture: "layernorm", dx: dx)
  }

  @Test(arguments: [(Activation.quickGELU, "quick_gelu"), (.gelu, "gelu"), (.geluTanh, "gelu_tanh")])
  func activation(_ act: Activation, _ name: String) throws {
    let x = try f.tensor("act.x")
    var g = try f.tensor("act.\(name).dy")
    let n = g.count
    x.data.withUnsafeBufferPointer { xp in g.data.withUnsafeMutableBufferPointer { act.backward(x: xp.baseAddress!, grad: $0.baseAddress!, count: n) } }
    let c = Closeness(g.data, try f.tensor("act.\(name).grad.x").data)
    #expect(c.maxRelToScale <= Self.tolerance, "\(name): \(c)")
  }

  @Test(arguments: [false, true])
  func attention(causal: Bool) throws {
    let name = causal ? "attention_causal" : "attention"
    let layer = MultiHeadAttention("a", dim: 30, heads: 3, causal: causal)
    try load(layer, prefix: "a", fixture: name)
    _ = layer.forward(try f.tensor("\(name).x"), training: true)
    let dx = layer.backward(try f.tensor("\(name).dy"), inputGradient: true)
    try expectGradients(layer, prefix: "a", fixture: name, dx: dx)
  }

  @Test(arguments: [(Activation.quickGELU, "mlp_quick_gelu"), (.gelu, "mlp_gelu")])
  func mlp(_ act: Activation, _ name: String) throws {
    let layer = MLP("m", dim: 16, hidden: 32, activation: act)
    try load(layer, prefix: "m", fixture: name)
    _ = layer.forward(try f.tensor("\(name).x"), training: true)
    let dx = layer.backward(try f.tensor("\(name).dy"), inputGradient: true)
    try expectGradients(layer, prefix: "m", fixture: name, dx: dx)
  }

  @Test(arguments: [false, true])
  func transformerBlock(causal: Bool) throws {
    let name = causal ? "block_causal" : "block"
    let block = TransformerBlock("b", dim: 32, heads: 4, hidden: 64, activation: .quickGELU, eps: 1e-5, causal: causal)
    try load(block, prefix: "b", fixture: "block")
    _ = block.forward(try f.tensor("block.x"), training: true)
    let dx = block.backward(try f.tensor("\(name).dy"), inputGradient: true)
    try expectGradients(block, prefix: "b", fixture: name, dx: dx)
  }

  @Test func embeddingScatterAddsRepeatedIds() throws {
    let layer = Embedding("e", count: 11, dim: 6)
    layer.weight.value = try f.tensor("embedding.weight")
    let ids = try f.tensor("embedding.ids").data.map { Int($0) }
    _ = layer.forward(ids, training: true)
    layer.backward(try f.tensor("embedding.dy"))
    #expect(Closeness(layer.weight.grad!.data, try f.tensor("embedding.grad.weight").data).maxAbs < 1e-6)
  }

  @Test func frozenParametersGetNoGradientAndGradientsAccumulate() throws {
    let layer = Linear("l", inFeatures: 20, outFeatures: 12)
    try load(layer, prefix: "l", fixture: "linear")
    layer.weight.trainable = false
    let x = try f.tensor("linear.x"), dy = try f.tensor("linear.dy")
    _ = layer.forward(x, training: true)
    #expect(layer.backward(dy, inputGradient: false) == nil)
    #expect(layer.weight.grad == nil)
    _ = layer.forward(x, training: true)
    _ = layer.backward(dy, inputGradient: false)
    let twice = layer.bias!.grad!.data, once = try f.tensor("linear.grad.bias").data
    #expect(Closeness(twice, once.map { 2 * $0 }).maxRelToScale < 1e-6)
  }
}

/// Finite-difference checks (no PyTorch involved): for L = Σ dy·f(x), the directional derivative
/// along a random direction u, (L(θ+εu) − L(θ−εu)) / 2ε, must match ⟨∇L, u⟩ for the input and
/// every parameter. u has unit norm and ε = 1e-2. In Float32 the loss's rounding noise divided by
/// 2ε is ~1e-4, so the bound is 1% relative + 1e-3 absolute: a wrong formula misses by far more.
struct FiniteDifferenceTests {
  static func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

  /// A random direction of unit L2 norm.
  static func direction(_ shape: [Int], rng: inout SeededRNG) -> Tensor {
    let u = Tensor.randomNormal(shape, rng: &rng)
    return u.reshaped([1, u.count]).l2NormalizedRows().reshaped(shape)
  }

  /// Checks `forward`'s gradients at x for every parameter in `container` and for x.
  static func check(_ container: ParameterContainer, x: Tensor, seed: UInt64,
                    forward: (Tensor, Bool) -> Tensor, backward: (Tensor) -> Tensor?) {
    var rng = SeededRNG(seed: seed)
    let y = forward(x, false)
    let dy = Tensor.randomNormal(y.shape, rng: &rng)
    for p in container.parameters { p.grad = nil }
    _ = forward(x, true)
    let dx = backward(dy)
    func loss(_ input: Tensor) -> Double { dot(forward(input, false).data, dy.data) }
    let eps: Float = 1e-2
    // Input.
    if let dx {
      let u = direction(x.shape, rng: &rng)
      var plus = x, minus = x
      for i in 0..<x.count { plus.data[i] += eps * u.data[i]; minus.data[i] -= eps * u.data[i] }
      let numeric = (loss(plus) - loss(minus)) / Double(2 * eps), analytic = dot(dx.data, u.data)
      #expect(abs(numeric - analytic) <= 1e-2 * abs(analytic) + 1e-3, "dx: numeric \(numeric) vs \(analytic)")
    }
    for p in container.parameters where p.trainable {
      let u = direction(p.shape, rng: &rng), saved = p.value
      for i in 0..<p.value.count { p.value.data[i] = saved.data[i] + eps * u.data[i] }
      let lp = loss(x)
      for i in 0..<p.value.count { p.value.data[i] = saved.data[i] - eps * u.data[i] }
      let lm = loss(x)
      p.value = saved
      let numeric = (lp - lm) / Double(2 * eps), analytic = dot(p.grad!.data, u.data)
      #expect(abs(numeric - analytic) <= 1e-2 * abs(analytic) + 1e-3, "\(p.name): numeric \(numeric) vs \(analytic)")
    }
  }

  static func randomize(_ c: ParameterContainer, seed: UInt64) {
    var rng = SeededRNG(seed: seed)
    for p in c.parameters {
      p.value = p.name.hasSuffix("weight") && p.shape.count == 1
        ? Tensor(shape: p.shape, data: (0..<p.value.count).map { _ in 1 + 0.2 * rng.normal() })
        : Tensor.randomNormal(p.shape, std: p.shape.count == 2 ? 1 / Float(p.shape[1]).squareRoot() : 0.2, rng: &rng)
    }
  }

  @Test(arguments: [false, true])
  func transformerBlock(causal: Bool) {
    let block = TransformerBlock("b", dim: 24, heads: 3, hidden: 40, activation: .quickGELU, eps: 1e-5, causal: causal)
    Self.randomize(block, seed: 3)
    var rng = SeededRNG(seed: 4)
    Self.check(block, x: Tensor.randomNormal([2, 5, 24], rng: &rng), seed: 5,
               forward: { block.forward($0, training: $1) }, backward: { block.backward($0, inputGradient: true) })
  }

  @Test(arguments: [Activation.gelu, .geluTanh])
  func mlp(_ act: Activation) {
    let mlp = MLP("m", dim: 12, hidden: 20, activation: act)
    Self.randomize(mlp, seed: 6)
    var rng = SeededRNG(seed: 7)
    Self.check(mlp, x: Tensor.randomNormal([3, 12], rng: &rng), seed: 8,
               forward: { mlp.forward($0, training: $1) }, backward: { mlp.backward($0, inputGradient: true) })
  }

  @Test func layerNormWithOffset() {
    let ln = LayerNorm("ln", dim: 17)
    Self.randomize(ln, seed: 9)
    var rng = SeededRNG(seed: 10)
    var x = Tensor.randomNormal([4, 17], rng: &rng)
    for i in 0..<x.count { x.data[i] += 3 }
    Self.check(ln, x: x, seed: 11, forward: { ln.forward($0, training: $1) }, backward: { ln.backward($0, inputGradient: true) })
  }
}
