import CLIP
import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Compares the Swift CLIP with transformers' outputs written by Scripts/fixtures/make_clip_fixtures.py.
/// Tolerance: relative to the largest reference magnitude, 1e-5 (the parity aim), per layer and end to end.
struct CLIPParityTests {
  static let tolerance: Float = 1e-5

  struct Case {
    let model: CLIPModel
    let expected: SafeTensorsFile
    let ids: [[Int]]
    let pixels: Tensor
  }

  static func load(_ name: String) throws -> Case {
    let dir = Fixtures.url("clip/\(name)")
    let model = try CLIPModel.load(directory: dir)
    let expected = try SafeTensorsFile(contentsOf: dir.appendingPathComponent("expected.safetensors"))
    let padded = try expected.integers("input_ids"), lengths = try expected.integers("input_lengths")
    let t = padded.count / lengths.count
    let ids = lengths.enumerated().map { i, n in Array(padded[(i * t)..<(i * t + n)]) }
    return Case(model: model, expected: expected, ids: ids, pixels: try expected.tensor("pixel_values"))
  }

  static func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String) {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)")
    guard actual.shape == expected.shape else { return }
    let c = Closeness(actual.data, expected.data)
    #expect(c.maxRelToScale <= tolerance, "\(what): \(c)")
  }

  @Test(arguments: ["tiny", "tiny_legacy_gelu", "tiny_f16", "tiny_sharded"])
  func visionHiddenStatesMatchLayerByLayer(_ name: String) throws {
    let c = try Self.load(name)
    var states: [Tensor] = []
    let pooled = c.model.vision.forward(c.pixels) { states.append($0) }
    #expect(states.count == c.model.config.vision.numHiddenLayers + 1)
    for (i, s) in states.enumerated() {
      Self.expectClose(s, try c.expected.tensor("vision_hidden_\(i)"), "\(name) vision hidden \(i)")
    }
    Self.expectClose(pooled, try c.expected.tensor("vision_pooled"), "\(name) vision pooled")
  }

  @Test(arguments: ["tiny", "tiny_legacy_gelu", "tiny_f16", "tiny_sharded"])
  func textHiddenStatesMatchLayerByLayer(_ name: String) throws {
    let c = try Self.load(name)
    var states: [Tensor] = []
    let pooled = c.model.text.forward(c.ids) { states.append($0) }
    #expect(states.count == c.model.config.text.numHiddenLayers + 1)
    let lengths = c.ids.map(\.count)
    for (i, s) in states.enumerated() {
      // Compare only real (unpadded) positions; the fixture stores zeros past each text's end.
      var masked = s
      let t = s.shape[1], d = s.shape[2]
      for (b, n) in lengths.enumerated() { for p in n..<t { for j in 0..<d { masked.data[(b * t + p) * d + j] = 0 } } }
      Self.expectClose(masked, try c.expected.tensor("text_hidden_\(i)"), "\(name) text hidden \(i)")
    }
    Self.expectClose(pooled, try c.expected.tensor("text_pooled"), "\(name) text pooled")
  }

  @Test(arguments: ["tiny", "tiny_legacy_gelu", "tiny_f16", "tiny_sharded"])
  func projectedFeaturesMatchTransformers(_ name: String) throws {
    let c = try Self.load(name)
    Self.expectClose(try c.model.imageFeatures(c.pixels), try c.expected.tensor("image_embeds"), "\(name) image_embeds")
    Self.expectClose(try c.model.textFeatures(c.ids), try c.expected.tensor("text_embeds"), "\(name) text_embeds")
    #expect(abs(c.model.logitScale.value.data[0] - (try c.expected.tensor("logit_scale")).data[0]) < 1e-6)
  }

  @Test func textFeaturesDoNotDependOnBatchComposition() throws {
    let c = try Self.load("tiny")
    let together = try c.model.textFeatures(c.ids)
    for (i, ids) in c.ids.enumerated() {
      let alone = try c.model.textFeatures([ids])
      Self.expectClose(alone, together.rows(i..<(i + 1)), "text \(i) alone vs batched")
    }
  }

  @Test func wrongPixelShapeIsAnError() throws {
    let c = try Self.load("tiny")
    #expect(throws: CLIPError.self) { try c.model.imageFeatures(Tensor(zeros: [1, 3, 16, 16])) }
  }

  @Test func outOfVocabularyOrOverlongTextIsAnError() throws {
    let c = try Self.load("tiny")
    #expect(throws: CLIPError.self) { try c.model.textFeatures([[998, 5000, 999]]) }
    #expect(throws: CLIPError.self) { try c.model.textFeatures([Array(repeating: 5, count: 17)]) }
    #expect(throws: CLIPError.self) { try c.model.textFeatures([[]]) }
  }
}
