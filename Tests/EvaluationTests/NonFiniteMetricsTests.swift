@testable import Evaluation
import Foundation
import Tensors
import Testing

/// Impossible queries and NaN scores are never hits; NaN/Inf embeddings and unusable shapes are
/// thrown errors, never traps.
struct NonFiniteMetricsTests {
  let images = Tensor(shape: [2, 2], data: [1, 0, 0, 1])
  let texts = Tensor(shape: [2, 2], data: [1, 0, 0, 1])

  @Test func nanEmbeddingsAreRefused() {
    let nan = Tensor(shape: [2, 2], data: [.nan, .nan, .nan, .nan])
    #expect { _ = try RetrievalMetrics.compute(imageEmbeds: nan, textEmbeds: texts, textToImage: [0, 1]) } throws: {
      "\($0)" == "image embeddings hold NaN: the model's weights are not finite?"
    }
    let inf = Tensor(shape: [2, 2], data: [1, .infinity, 0, 1])
    #expect { _ = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: inf, textToImage: [0, 1]) } throws: {
      "\($0)".contains("text embeddings hold infinite values")
    }
    #expect { _ = try ZeroShot.evaluate(imageEmbeds: nan, classifier: images, labels: [0, 1]) } throws: {
      "\($0)".contains("image embeddings hold NaN")
    }
    #expect { _ = try ZeroShot.classifier([nan]) } throws: { "\($0)".contains("NaN") }
  }

  @Test func emptyOrMismatchedInputsThrow() {
    let none = Tensor(shape: [0, 2], data: [])
    #expect { _ = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: none, textToImage: []) } throws: {
      "\($0)".contains("no captions")
    }
    #expect { _ = try RetrievalMetrics.compute(imageEmbeds: none, textEmbeds: texts, textToImage: [0, 1]) } throws: { "\($0)".contains("no images") }
    #expect { _ = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: [0, 7]) } throws: { "\($0)".contains("image 7") }
    #expect { _ = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: [0]) } throws: { "\($0)".contains("entries") }
    #expect { _ = try ZeroShot.evaluate(imageEmbeds: images, classifier: images, labels: [0, 5]) } throws: { "\($0)".contains("label 5") }
    #expect { _ = try ZeroShot.classifier([]) } throws: { "\($0)".contains("at least one class") }
  }

  @Test func imagesWithoutCaptionsAreMisses() throws {
    // Image 1 has no caption: its image→text query cannot hit.
    let r = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: Tensor(shape: [1, 2], data: [1, 0]), textToImage: [0])
    #expect(r.imageToText.r1 == 50 && r.imageToText.r10 == 50)
    #expect(r.textToImage.r1 == 100)
  }

  @Test func nanScoresNeverRankAsHits() {
    let row: [Float] = [.nan, 0.5, 0.2]
    row.withUnsafeBufferPointer { p in
      // A NaN own score is a miss, not rank 0 (which every comparison with NaN being false gave).
      #expect(RetrievalMetrics.bestRank(row: p.baseAddress!, count: 3, positives: [0]) == .max)
      // A number among the positives is ranked, and a NaN competitor never outranks it.
      #expect(RetrievalMetrics.bestRank(row: p.baseAddress!, count: 3, positives: [0, 2]) == 1)
      #expect(RetrievalMetrics.bestRank(row: p.baseAddress!, count: 3, positives: []) == .max)
    }
  }
}
