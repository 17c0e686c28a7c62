import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// GPT-2 attention against transformers' `GPT2Attention` (Scripts/fixtures/make_gpt2_layer_fixtures.py):
/// causal self-attention and cross-attention over 7 encoder states, output, dx, d(encoder states)
/// and every weight's gradient within 1e-5 of their scale.
struct GPT2AttentionTests {
  @Test(arguments: [false, true])
  func matchesTransformers(cross: Bool) throws {
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("gpt2_layers/attention_\(cross ? "cross" : "self").safetensors"))
    let att = GPT2Attention("attn", dim: 16, heads: 4, crossAttention: cross)
    for p in att.parameters { p.value = try f.tensor(String(p.name.dropFirst("attn.".count))) }
    let y = att.forward(try f.tensor("x"), encoder: cross ? try f.tensor("e") : nil, training: true)
    if let m = mismatches(y.data, try f.tensor("y").data, tolerance: 1e-5, relative: true) { Issue.record("y: \(m)") }
    let (dx, de) = att.backward(try f.tensor("g"), inputGradient: true, encoderGradient: cross)
    var checks: [(String, [Float])] = [("dx", dx!.data)]
    if cross { checks.append(("de", de!.data)) }
    for p in att.parameters { checks.append(("d" + p.name.dropFirst("attn.".count), p.grad!.data)) }
    for (name, ours) in checks {
      if let m = mismatches(ours, try f.tensor(name).data, tolerance: 1e-5, relative: true) { Issue.record("cross \(cross) \(name): \(m)") }
    }
    #expect(checks.count == (cross ? 8 : 5))
  }
}

/// A GPT-2 block with cross-attention against transformers' `GPT2Block`: output, dx,
/// d(encoder states) and every parameter's gradient within 1e-5 of their scale, parameters in
/// transformers' order.
struct GPT2BlockTests {
  @Test func matchesTransformers() throws {
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("gpt2_layers/block.safetensors"))
    let block = GPT2Block("h.0", dim: 16, heads: 4, hidden: 64, activation: .geluTanh, eps: 1e-5, crossAttention: true)
    let names = block.parameters.map { String($0.name.dropFirst("h.0.".count)) }
    let transformersOrder = ["ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "crossattention.c_attn", "crossattention.q_attn",
                             "crossattention.c_proj", "ln_cross_attn", "mlp.c_fc", "mlp.c_proj"].flatMap { ["\($0).weight", "\($0).bias"] }
    #expect(names == transformersOrder)
    for p in block.parameters { p.value = try f.tensor(String(p.name.dropFirst("h.0.".count))) }
    let y = block.forward(try f.tensor("x"), encoder: try f.tensor("e"), training: true)
    if let m = mismatches(y.data, try f.tensor("y").data, tolerance: 1e-5, relative: true) { Issue.record("y: \(m)") }
    let (dx, de) = block.backward(try f.tensor("g"), inputGradient: true, encoderGradient: true)
    var checks: [(String, [Float])] = [("dx", dx!.data), ("de", de!.data)]
    for p in block.parameters { checks.append(("d" + p.name.dropFirst("h.0.".count), p.grad!.data)) }
    for (name, ours) in checks {
      if let m = mismatches(ours, try f.tensor(name).data, tolerance: 1e-5, relative: true) { Issue.record("\(name): \(m)") }
    }
    #expect(checks.count == 22)
  }
}
