import CLIP
import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Whole-model gradients against autograd: L = Σ d_image·image_embeds + Σ d_text·text_embeds on the
/// tiny checkpoints (Scripts/fixtures/make_clip_fixtures.py, gradients=True).
/// Tolerance: 1e-5 relative to each gradient's scale, or 1e-5 absolute for gradients that are
/// zero in exact arithmetic (k_proj biases: both sides are rounding noise).
struct CLIPGradientTests {
  static func run(_ name: String, freeze: (Parameter) -> Bool = { _ in false }) throws -> (CLIPModel, SafeTensorsFile) {
    let c = try CLIPParityTests.load(name)
    for p in c.model.parameters { p.trainable = !freeze(p); p.grad = nil }
    _ = try c.model.imageFeatures(c.pixels, training: true)
    c.model.backwardImageFeatures(try c.expected.tensor("d_image_embeds"))
    // One text at a time, as the reference did; gradients accumulate across the calls.
    let dText = try c.expected.tensor("d_text_embeds")
    for (i, ids) in c.ids.enumerated() {
      _ = try c.model.textFeatures([ids], training: true)
      c.model.backwardTextFeatures(dText.rows(i..<(i + 1)))
    }
    return (c.model, c.expected)
  }

  static func expectMatches(_ model: CLIPModel, _ expected: SafeTensorsFile, _ name: String) throws {
    var compared = 0
    for p in model.parameters where p.trainable && expected.contains("grad.\(p.name)") {
      guard let g = p.grad else { Issue.record("\(name): \(p.name) got no gradient"); continue }
      let c = Closeness(g.data, try expected.tensor("grad.\(p.name)").data)
      #expect(c.maxRelToScale <= 1e-5 || c.maxAbs <= 1e-5, "\(name) \(p.name): \(c)")
      compared += 1
    }
    #expect(compared > 0)
  }

  @Test(arguments: ["tiny", "tiny_legacy_gelu"])
  func everyParameterGradientMatchesAutograd(_ name: String) throws {
    let (model, expected) = try Self.run(name)
    try Self.expectMatches(model, expected, name)
    #expect(model.parameters.filter { $0.grad != nil }.count == 77)  // all but logit_scale
  }

  @Test func frozenLowerLayersGetNoGradientAndTheRestStillMatch() throws {
    // Train only the upper block of each tower and the heads, as a partial fine-tune would.
    let trainable = ["encoder.layers.1.", "post_layernorm", "final_layer_norm", "projection"]
    let (model, expected) = try Self.run("tiny") { p in !trainable.contains { p.name.contains($0) } }
    try Self.expectMatches(model, expected, "tiny (upper layers)")
    for p in model.parameters where !p.trainable { #expect(p.grad == nil, "\(p.name) is frozen but got a gradient") }
    #expect(model.parameters.filter { $0.grad != nil }.count == 2 * 16 + 2 + 2 + 2)
  }
}
