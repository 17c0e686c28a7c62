import Captioning
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// The captioner's GPT-2 decoder against transformers' `GPT2LMHeadModel` with cross-attention and
/// the LM head tied to wte (Scripts/fixtures/make_gpt2_layer_fixtures.py): logits, d(encoder
/// states) and every parameter's gradient (wte's including the head's) within 1e-5 of their scale.
struct GPT2DecoderTests {
  @Test func matchesTransformers() throws {
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("gpt2_layers/decoder.safetensors"))
    let decoder = GPT2Decoder(vocabulary: 50, positions: 16, dim: 16, heads: 4, layers: 2, hidden: 64)
    #expect(decoder.parameters.count == 44)
    for p in decoder.parameters { p.value = try f.tensor(p.name) }
    let ids = try f.tensor("ids").data.map { Int($0) }
    let batch = [Array(ids[0..<6]), Array(ids[6..<12])]
    let logits = decoder.forward(batch, encoder: try f.tensor("e"), training: true)
    #expect(logits.shape == [2, 6, 50])
    if let m = mismatches(logits.data, try f.tensor("logits").data, tolerance: 1e-5, relative: true) { Issue.record("logits: \(m)") }
    let de = decoder.backward(try f.tensor("g"), encoderGradient: true)
    if let m = mismatches(de!.data, try f.tensor("de").data, tolerance: 1e-5, relative: true) { Issue.record("de: \(m)") }
    for p in decoder.parameters {
      guard let g = p.grad else { Issue.record("\(p.name) got no gradient"); continue }
      if let m = mismatches(g.data, try f.tensor("d." + p.name).data, tolerance: 1e-5, relative: true) { Issue.record("d\(p.name): \(m)") }
    }
  }
}
