import CLIP
import Datasets
import Evaluation
import Foundation
import Tensors

/// One evaluation on a held-out split, as logged in `metrics.jsonl`.
public struct EvaluationRecord: Sendable {
  public var step: Int
  public var split: String
  /// Mean contrastive loss over consecutive groups of `batchSize` images with their first caption.
  public var loss: Double
  public var retrieval: RetrievalResult

  public var orderedJSON: OrderedJSON {
    .object([("step", .integer(step)), ("split", .string(split)), ("loss", .number(loss)),
             ("mean_cosine", .number(retrieval.meanCosine)),
             ("image_to_text", retrieval.imageToText.orderedJSON), ("text_to_image", retrieval.textToImage.orderedJSON),
             ("images", .integer(retrieval.images)), ("texts", .integer(retrieval.texts))])
  }
}

/// Validation: features of every image and caption of a split (inference mode: no dropout),
/// retrieval metrics over all of them, and the contrastive loss the training objective measures.
public enum Validation {
  public static func run(pipeline: CLIPPipeline, dataset: RetrievalDataset, split: String, batchSize: Int, step: Int) throws -> EvaluationRecord {
    let features = try Features(pipeline: pipeline, dataset: dataset)
    return EvaluationRecord(step: step, split: split, loss: features.loss(batchSize: batchSize, logitScale: pipeline.model.logitScale.value.data[0]),
                            retrieval: features.retrieval)
  }

  /// Image and caption features of a dataset, and what is computed from them.
  public struct Features {
    public let images: Tensor           // [N, D]
    public let texts: Tensor            // [M, D]
    public let textToImage: [Int]
    public let retrieval: RetrievalResult

    public init(pipeline: CLIPPipeline, dataset: RetrievalDataset) throws {
      images = try pipeline.imageFeatures(dataset.items.map(\.image))
      texts = try pipeline.textFeatures(dataset.texts)
      textToImage = dataset.textToImage
      retrieval = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: textToImage)
    }

    /// Index of each image's first caption (images without captions are skipped).
    public var firstCaptions: [(image: Int, text: Int)] {
      var seen = Set<Int>(), out: [(Int, Int)] = []
      for (t, i) in textToImage.enumerated() where seen.insert(i).inserted { out.append((i, t)) }
      return out
    }

    /// Mean contrastive loss over consecutive groups of `batchSize` (image, first caption) pairs;
    /// a last group smaller than 2 pairs is left out.
    public func loss(batchSize: Int, logitScale: Float) -> Double {
      let pairs = firstCaptions
      var total = 0.0, counted = 0
      for start in stride(from: 0, to: pairs.count, by: batchSize) {
        let group = Array(pairs[start..<min(pairs.count, start + batchSize)])
        guard group.count >= 2 else { continue }
        let img = Tensor.concatenate(group.map { images.rows($0.image..<($0.image + 1)) })
        let txt = Tensor.concatenate(group.map { texts.rows($0.text..<($0.text + 1)) })
        total += Double(ContrastiveLoss.loss(imageEmbeds: img, textEmbeds: txt, logitScale: logitScale)) * Double(group.count)
        counted += group.count
      }
      return counted == 0 ? .nan : total / Double(counted)
    }
  }
}
