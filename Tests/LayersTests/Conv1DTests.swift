import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// GPT-2's Conv1D against transformers' (Scripts/fixtures/make_gpt2_layer_fixtures.py): output,
/// dx, dW and db within 1e-5 of their scale; a frozen weight gets no gradient.
struct Conv1DTests {
  @Test func matchesTransformers() throws {
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("gpt2_layers/conv1d.safetensors"))
    let layer = Conv1D("c_attn", inFeatures: 8, outFeatures: 12)
    layer.weight.value = try f.tensor("weight")
    layer.bias.value = try f.tensor("bias")
    #expect(layer.weight.name == "c_attn.weight" && layer.weight.shape == [8, 12])
    let y = layer.forward(try f.tensor("x"), training: true)
    #expect(y.shape == [2, 3, 12])
    if let m = mismatches(y.data, try f.tensor("y").data, tolerance: 1e-5, relative: true) { Issue.record("y: \(m)") }
    let dx = layer.backward(try f.tensor("g"), inputGradient: true)!
    for (name, ours) in [("dx", dx.data), ("dweight", layer.weight.grad!.data), ("dbias", layer.bias.grad!.data)] {
      if let m = mismatches(ours, try f.tensor(name).data, tolerance: 1e-5, relative: true) { Issue.record("\(name): \(m)") }
    }
  }

  @Test func frozenWeightGetsNoGradient() throws {
    let layer = Conv1D("c_fc", inFeatures: 4, outFeatures: 6)
    layer.weight.trainable = false
    let x = Tensor(shape: [3, 4], data: (0..<12).map { Float($0) / 10 })
    _ = layer.forward(x, training: true)
    let dx = layer.backward(Tensor(shape: [3, 6], data: Array(repeating: 1, count: 18)), inputGradient: true)
    #expect(layer.weight.grad == nil && layer.bias.grad != nil && dx?.shape == [3, 4])
  }
}
