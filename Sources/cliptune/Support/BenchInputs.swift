import CLIP
import Tensors

/// Random weights and inputs shaped like the PyTorch anchor's, for `cliptune bench`.
enum BenchInputs {
  /// A model of `config` whose matrices and embedding tables are uniform random with std ≈ 0.02
  /// (transformers' init scale); vectors (biases, LayerNorms, class embedding) keep their init.
  static func randomModel(_ config: CLIPConfig, seed: UInt64 = 0) -> CLIPModel {
    let model = CLIPModel(config)
    var rng = SeededRNG(seed: seed)
    for p in model.parameters where p.shape.count > 1 {  // in place, as torch.nn.init does: no second copy
      p.value.data.withUnsafeMutableBufferPointer { w in
        for i in w.indices { w[i] = rng.uniform(-0.035, 0.035) }
      }
    }
    return model
  }

  /// Pixels [B, C, S, S] ~ N(0, 1) and B token sequences of `textLength` ids: start token, random
  /// ids, end token (as the anchor's `ids[:, -1] = 49407`).
  static func batch(_ c: CLIPConfig, size: Int, textLength: Int, seed: UInt64 = 1) -> (pixels: Tensor, ids: [[Int]]) {
    var rng = SeededRNG(seed: seed)
    let pixels = Tensor.randomNormal([size, c.vision.numChannels, c.vision.imageSize, c.vision.imageSize], rng: &rng)
    let end = c.text.eosTokenId == 2 ? c.text.vocabSize - 1 : c.text.eosTokenId
    let ids = (0..<size).map { _ in
      [c.text.bosTokenId] + (0..<(textLength - 2)).map { _ in Int(rng.next() % UInt64(min(49000, c.text.vocabSize - 2))) } + [end]
    }
    return (pixels, ids)
  }
}
