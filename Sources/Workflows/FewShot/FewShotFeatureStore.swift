import CLIP
import Datasets
import Foundation
import Tensors

/// Projected image features of the frozen model for a whole sweep: each image is encoded at most
/// once (kept in memory for the sweep, and on disk in a `FeatureCache` when one is given, so later
/// sweeps and other methods reuse it). `encodedCount` counts the images actually encoded.
final class FewShotFeatureStore {
  private let pipeline: CLIPPipeline
  private let disk: FeatureCache?
  private var memory: [URL: [Float]] = [:]
  private(set) var encodedCount = 0
  let dim: Int
  private let batchSize: Int
  private let progress: ((String, Int, Int) -> Void)?

  /// `pipeline` must hold the frozen model (no method applied). `cacheDirectory` nil keeps features
  /// in memory only.
  init(pipeline: CLIPPipeline, modelDirectory: URL, cacheDirectory: URL?, batchSize: Int = 32,
       progress: ((String, Int, Int) -> Void)? = nil) throws {
    self.pipeline = pipeline
    dim = pipeline.model.config.projectionDim
    self.batchSize = batchSize
    self.progress = progress
    if let cacheDirectory {
      let key = try FeatureCache.modelKey(modelDirectory: modelDirectory, preprocessing: "clip-eval \(pipeline.model.config.vision.imageSize)")
      disk = FeatureCache(directory: cacheDirectory, modelKey: key)
    } else {
      disk = nil
    }
  }

  /// Features [N, D] of `images`, in order.
  func features(_ images: [URL], label: String) throws -> Tensor {
    var unique: [URL] = []
    var seen = Set<URL>()
    for url in images where memory[url] == nil && seen.insert(url).inserted { unique.append(url) }
    if !unique.isEmpty {
      let encode = { (urls: [URL]) throws -> Tensor in
        self.progress?(label, 0, urls.count)  // starts the bar's clock before the first batch
        let t = try self.pipeline.imageFeatures(urls, batchSize: self.batchSize) { done in
          self.progress?(label, done, urls.count)
        }
        self.encodedCount += urls.count
        return t
      }
      let computed = try disk.map { try $0.features(unique, dim: dim, compute: encode) } ?? encode(unique)
      for (i, url) in unique.enumerated() { memory[url] = Array(computed.data[(i * dim)..<((i + 1) * dim)]) }
    }
    var out = Tensor(uninitialized: [images.count, dim])
    for (i, url) in images.enumerated() {
      let row = memory[url]!
      for k in 0..<dim { out.data[i * dim + k] = row[k] }
    }
    return out
  }
}
