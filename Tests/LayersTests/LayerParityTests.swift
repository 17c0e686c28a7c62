import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Each layer's forward against PyTorch / transformers outputs from
/// Scripts/fixtures/make_layer_fixtures.py. Tolerance: 2e-6 relative to the output's scale.
struct LayerParityTests {
  static let tolerance: Float = 2e-6
  let f: SafeTensorsFile

  init() throws { f = try SafeTensorsFile(contentsOf: Fixtures.url("layers/layers.safetensors")) }

  func load(_ container: ParameterContainer, prefix: String, fixturePrefix: String) throws {
    for p in container.parameters {
      p.value = try f.tensor(fixturePrefix + "." + p.name.dropFirst(prefix.count + 1))
    }
  }

  func expectClose(_ a: Tensor, _ name: String) throws {
    let b = try f.tensor(name)
    #expect(a.shape == b.shape, "\(name): \(a.shape) vs \(b.shape)")
    guard a.shape == b.shape else { return }
    let c = Closeness(a.data, b.data)
    #expect(c.maxRelToScale <= Self.tolerance, "\(name): \(c)")
  }

  @Test func linear() throws {
    let layer = Linear("l", inFeatures: 20, outFeatures: 12)
    try load(layer, prefix: "l", fixturePrefix: "linear")
    try expectClose(layer.forward(try f.tensor("linear.x")), "linear.y")
  }

  @Test func layerNormWithLargeOffset() throws {
    let layer = LayerNorm("ln", dim: 40, eps: 1e-5)
    try load(layer, prefix: "ln", fixturePrefix: "layernorm")
    try expectClose(layer.forward(try f.tensor("layernorm.x")), "layernorm.y")
  }

  @Test(arguments: [(Activation.quickGELU, "act.quick_gelu"), (.gelu, "act.gelu"), (.geluTanh, "act.gelu_tanh")])
  func activation(_ act: Activation, _ name: String) throws {
    var x = try f.tensor("act.x")
    let n = x.count
    x.data.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, count: n) }
    let c = Closeness(x.data, try f.tensor(name).data)
    #expect(c.maxAbs <= 2e-6, "\(name): \(c)")
  }

  @Test func softmaxRows() throws {
    var x = try f.tensor("softmax.x")
    let (rows, dim) = (x.shape[0], x.shape[1])
    x.data.withUnsafeMutableBufferPointer { Softmax.inPlace($0.baseAddress!, rows: rows, dim: dim) }
    let c = Closeness(x.data, try f.tensor("softmax.y").data)
    #expect(c.maxAbs <= 1e-6, "\(c)")
  }

  @Test(arguments: [false, true])
  func attention(causal: Bool) throws {
    let name = causal ? "attention_causal" : "attention"
    let layer = MultiHeadAttention("a", dim: 30, heads: 3, causal: causal)
    try load(layer, prefix: "a", fixturePrefix: name)
    try expectClose(layer.forward(try f.tensor("\(name).x")), "\(name).y")
  }

  @Test(arguments: [(Activation.quickGELU, "mlp_quick_gelu"), (.gelu, "mlp_gelu")])
  func mlp(_ act: Activation, _ name: String) throws {
    let layer = MLP("m", dim: 16, hidden: 32, activation: act)
    try load(layer, prefix: "m", fixturePrefix: name)
    try expectClose(layer.forward(try f.tensor("\(name).x")), "\(name).y")
  }

  @Test(arguments: [false, true])
  func transformerBlock(causal: Bool) throws {
    let block = TransformerBlock("b", dim: 32, heads: 4, hidden: 64, activation: .quickGELU, eps: 1e-5, causal: causal)
    for p in block.parameters {
      p.value = try f.tensor("block." + p.name.dropFirst(2))
    }
    try expectClose(block.forward(try f.tensor("block.x")), causal ? "block_causal.y" : "block.y")
  }

  @Test func parameterNamesAreHuggingFaceKeys() {
    let block = TransformerBlock("text_model.encoder.layers.0", dim: 8, heads: 2, hidden: 16, activation: .gelu, eps: 1e-5, causal: true)
    let names = block.parameters.map(\.name)
    #expect(names.contains("text_model.encoder.layers.0.self_attn.q_proj.weight"))
    #expect(names.contains("text_model.encoder.layers.0.mlp.fc2.bias"))
    #expect(names.contains("text_model.encoder.layers.0.layer_norm2.weight"))
    #expect(names.count == 16)
  }
}
