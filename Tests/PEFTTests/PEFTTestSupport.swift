import CLIP
import Foundation
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// The tiny CLIP checkpoint and the inputs stored with it (Tests/Fixtures/clip/tiny).
enum Tiny {
  static let directory = Fixtures.url("clip/tiny")

  static func model() throws -> CLIPModel { try CLIPModel.load(directory: directory) }

  /// pixel_values [3, 3, 32, 32] and the unpadded token sequences of the fixture.
  static func inputs() throws -> (pixels: Tensor, ids: [[Int]]) {
    let expected = try SafeTensorsFile(contentsOf: directory.appendingPathComponent("expected.safetensors"))
    let padded = try expected.integers("input_ids"), lengths = try expected.integers("input_lengths")
    let t = padded.count / lengths.count
    let ids = lengths.enumerated().map { i, n in Array(padded[(i * t)..<(i * t + n)]) }
    return (try expected.tensor("pixel_values"), ids)
  }

  /// (image features, text features) of `model` on the fixture inputs.
  static func features(_ model: CLIPModel) throws -> (image: Tensor, text: Tensor) {
    let (pixels, ids) = try inputs()
    return (try model.imageFeatures(pixels), try model.textFeatures(ids))
  }
}

/// Relative-to-scale comparison with a readable failure.
func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
  guard actual.shape == expected.shape else { return }
  let c = Closeness(actual.data, expected.data)
  #expect(c.maxRelToScale <= tolerance, "\(what): \(c)", sourceLocation: sourceLocation)
}

/// Runs `body` and returns the description of the error it throws (nil when it does not throw).
func errorText(_ body: () throws -> Void) -> String? {
  do { try body(); return nil } catch { return "\(error)" }
}

/// Sets every lora_B of `adapter` to N(0, std²) values so the adapter changes the outputs.
func randomizeB(_ adapter: LoRAAdapter, seed: UInt64, std: Float = 0.3) {
  var rng = SeededRNG(seed: seed)
  for layer in adapter.layers { layer.loraB.value = .randomNormal(layer.loraB.shape, std: std, rng: &rng) }
}
