import CLIP
import Datasets
import Foundation
import Preprocessing
import Tensors

/// Pixel batches for the methods that run the vision tower (VPT, LoRA) or augment: decoded and
/// preprocessed in parallel; with crop-flip, each image's crop and flip come from its own stream
/// (seed, epoch, position in the epoch), so batches do not depend on thread timing.
struct FewShotPixels {
  let pipeline: CLIPPipeline
  let transform: TrainingImageTransform
  let seed: UInt64

  /// [B, 3, S, S] for `urls`; `epoch` and `positions` pick the augmentation streams.
  func batch(_ urls: [URL], epoch: Int, positions: [Int]) throws -> Tensor {
    if transform == .none { return try pipeline.pixelValues(urls) }
    let s = pipeline.model.config.vision.imageSize
    let augment = TrainingImagePipeline(preprocessor: pipeline.preprocessor, transform: transform)
    guard let size = augment.outputSize, size.height == s, size.width == s else {
      throw FewShotError("--augment crop-flip needs a preprocessor that crops or resizes to the model's \(s)×\(s)")
    }
    var out = Tensor(uninitialized: [urls.count, 3, s, s])
    var errors = [Error?](repeating: nil, count: urls.count)
    let per = 3 * s * s
    out.data.withUnsafeMutableBufferPointer { op in
      errors.withUnsafeMutableBufferPointer { ep in
        let o = UnsafeSendable(op.baseAddress!), e = UnsafeSendable(ep.baseAddress!)
        Parallel.forEach(urls.count) { range in
          for i in range {
            do {
              let image = try ImageDecoder.decode(contentsOf: urls[i])
              var rng = SeedMixer.rng(seed, .fewShotAugment, epoch, positions[i])
              augment.write(image, rng: &rng, into: UnsafeMutableBufferPointer(start: o.pointer + i * per, count: per))
            } catch {
              e.pointer[i] = error
            }
          }
        }
      }
    }
    if let error = errors.compactMap({ $0 }).first { throw error }
    return out
  }
}
