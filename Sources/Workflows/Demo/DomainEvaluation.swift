import CLIP
import Datasets
import Evaluation
import Foundation
import Tensors
import Training

/// Zero-shot labels for a test split: class names, prompt templates, and per test image the class
/// index (nil for images that belong to no single class).
public struct ZeroShotLabels: Sendable {
  public var classNames: [String]
  public var templates: [String]
  public var labels: [Int?]
}

/// One model's scores on a test split: retrieval both ways, mean cosine of matched pairs, the
/// contrastive loss, zero-shot accuracy (when the split has class labels) and, for a few images,
/// the captions it ranks highest.
public struct DomainEvaluation: Sendable {
  public var retrieval: RetrievalResult
  public var loss: Double
  public var zeroShot: ZeroShotResult?
  /// Images the zero-shot accuracy counts (those with a label).
  public var zeroShotImages: Int
  public var examples: [RankedCaptions]

  /// The top captions of one test image.
  public struct RankedCaptions: Sendable {
    public var image: URL
    public var captions: [(text: String, score: Double, correct: Bool)]
  }

  /// Evaluates `pipeline` on every image and caption of `dataset`; the loss groups `batchSize`
  /// (image, first caption) pairs as training does.
  public static func run(pipeline: CLIPPipeline, dataset: RetrievalDataset, zeroShot labels: ZeroShotLabels?,
                         batchSize: Int, exampleCount: Int) throws -> DomainEvaluation {
    let features = try Validation.Features(pipeline: pipeline, dataset: dataset)
    let loss = features.loss(batchSize: batchSize, logitScale: pipeline.model.logitScale.value.data[0])
    var zeroShot: ZeroShotResult?
    var counted = 0
    if let labels {
      let kept = labels.labels.enumerated().compactMap { i, l in l.map { (i, $0) } }
      counted = kept.count
      if !kept.isEmpty {
        let classEmbeds = try labels.classNames.map { name in
          try pipeline.textFeatures(labels.templates.map { ZeroShot.fill($0, with: name) })
        }
        let images = Tensor.concatenate(kept.map { features.images.rows($0.0..<($0.0 + 1)) })
        zeroShot = try ZeroShot.evaluate(imageEmbeds: images, classifier: try ZeroShot.classifier(classEmbeds), labels: kept.map(\.1))
      }
    }
    return DomainEvaluation(retrieval: features.retrieval, loss: loss, zeroShot: zeroShot, zeroShotImages: counted,
                            examples: topCaptions(features, dataset: dataset, count: exampleCount))
  }

  /// The three best-scoring captions (over all of the split's captions) of the first `count` images.
  static func topCaptions(_ features: Validation.Features, dataset: RetrievalDataset, count: Int) -> [RankedCaptions] {
    let scores = features.images.l2NormalizedRows().matmul(transposed: features.texts.l2NormalizedRows())   // [N, M] cosines
    let allTexts = dataset.texts, m = allTexts.count
    return (0..<min(count, dataset.items.count)).map { i in
      let row = Array(scores.data[(i * m)..<((i + 1) * m)])
      let top = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(3)
      return RankedCaptions(image: dataset.items[i].image,
                            captions: top.map { (allTexts[$0], Double(row[$0]), features.textToImage[$0] == i) })
    }
  }
}
