import CLIP
import Datasets
import Evaluation
import Foundation
import Tensors

/// What every sub-run of a sweep shares: the options, the task, the frozen model, the feature
/// store, and the class prompts with their frozen text features (computed once per sweep).
final class FewShotContext {
  let options: FewShotOptions
  let dataset: ClassificationDataset
  let modelDirectory: URL
  /// The frozen model: image features for the store, class text features, and the model of every
  /// method that leaves the towers alone (their modules are removed after each sub-run).
  let pipeline: CLIPPipeline
  let store: FewShotFeatureStore
  /// Token ids of every (class, template), class-major.
  let prompts: [[Int]]
  let progress: ((FewShotProgress) -> Void)?
  private var frozenText: Tensor?

  init(options: FewShotOptions, dataset: ClassificationDataset, progress: ((FewShotProgress) -> Void)?) throws {
    self.options = options
    self.dataset = dataset
    self.progress = progress
    modelDirectory = URL(fileURLWithPath: options.model)
    pipeline = try CLIPPipeline.load(modelDirectory: modelDirectory)
    store = try FewShotFeatureStore(pipeline: pipeline, modelDirectory: modelDirectory,
                                    cacheDirectory: options.featureCache.map { URL(fileURLWithPath: $0) }) { label, done, total in
      progress?(FewShotProgress(phase: "encoding \(label)", done: done, total: total))
    }
    let texts = dataset.classNames.flatMap { name in options.templates.map { $0.replacingOccurrences(of: "{}", with: name) } }
    prompts = try pipeline.tokenize(texts)
    try pipeline.model.text.validate(prompts)
  }

  /// Projected text features of every prompt [classes · templates, D] from the frozen model.
  func frozenTextFeatures() throws -> Tensor {
    if let frozenText { return frozenText }
    let t = try pipeline.textFeatures(ids: prompts)
    frozenText = t
    return t
  }

  /// The zero-shot classifier: each class's template features normalised, averaged and normalised
  /// again (`ZeroShot.classifier`) → [classes, D].
  func zeroShotClassifier() throws -> Tensor {
    let features = try frozenTextFeatures(), t = options.templates.count
    return try ZeroShot.classifier((0..<dataset.classNames.count).map { features.rows(($0 * t)..<(($0 + 1) * t)) })
  }

  /// Frozen image features of `samples` [N, D], encoded at most once per sweep.
  func features(_ samples: [ClassificationSample], label: String) throws -> Tensor {
    try store.features(samples.map(\.image), label: label)
  }
}

/// Where a sweep stands, for a progress bar.
public struct FewShotProgress: Sendable {
  public var phase: String
  public var done: Int
  public var total: Int
  public var loss: Float?

  public init(phase: String, done: Int, total: Int, loss: Float? = nil) {
    self.phase = phase
    self.done = done
    self.total = total
    self.loss = loss
  }
}
