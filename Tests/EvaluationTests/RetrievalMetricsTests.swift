import Evaluation
import Foundation
import Tensors
import Testing

struct RetrievalMetricsTests {
  /// Images are the basis vectors e0, e1, e2 (image 1 scaled by 2), so a text's cosine with
  /// image i is its i-th component. Score matrix (image × text):
  ///   image 0: [0.6, 0.8, 0,    0.96, 0]
  ///   image 1: [0.8, 0,   0.28, 0,    0]
  ///   image 2: [0,   0.6, 0.96, 0.28, 1]
  @Test func smallHandComputedCase() throws {
    let images = Tensor(shape: [3, 3], data: [1, 0, 0, 0, 2, 0, 0, 0, 1])
    let texts = Tensor(shape: [5, 3], data: [
      0.6, 0.8, 0,        // → image 0
      0.8, 0, 0.6,        // → image 0
      0, 0.28, 0.96,      // → image 1
      2.88, 0, 0.84,      // → image 2 (3 × (0.96, 0, 0.28))
      0, 0, 1,            // → image 2
    ])
    let r = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: [0, 0, 1, 2, 2])
    // image→text: image 0's best caption (t1) is 2nd after t3; image 1's t2 is 2nd after t0; image 2's t4 is 1st.
    #expect(r.imageToText == RecallAtK(r1: 100.0 / 3, r5: 100, r10: 100))
    // text→image: t1 and t4 find their image first; t0, t2, t3 second.
    #expect(r.textToImage == RecallAtK(r1: 40, r5: 100, r10: 100))
    #expect(abs(r.meanCosine - (0.6 + 0.8 + 0.28 + 0.28 + 1) / 5) < 1e-6)
    #expect(r.images == 3 && r.texts == 5)
  }

  /// 12 images = basis vectors; text j gives image i the weight 12 − ((i − j) mod 12), so every
  /// text has the same norm and, with d = (g(j) − j) mod 12 for its image g(j), that image is at
  /// rank d for the text and the text is at rank d in the image's row. No ties anywhere.
  @Test func multiCaptionRanksUpToTen() throws {
    let d = [0, 0, 3, 7, 11, 4, 9, 1, 5, 2, 0, 10]
    let g = d.indices.map { ($0 + d[$0]) % 12 }      // [0,1,5,10,3,9,3,8,1,11,10,9]
    var textData = [Float]()
    for j in 0..<12 {
      let scale: Float = j == 2 ? 0.1 : 1
      for i in 0..<12 { textData.append(scale * Float(12 - ((i - j + 12) % 12))) }
    }
    var imageData = [Float](repeating: 0, count: 144)
    for i in 0..<12 { imageData[i * 12 + i] = i == 3 ? 5 : 1 }
    let r = try RetrievalMetrics.compute(imageEmbeds: Tensor(shape: [12, 12], data: imageData),
                                     textEmbeds: Tensor(shape: [12, 12], data: textData), textToImage: g)
    // Best rank per image: 0,0,–,9,–,3,–,–,1,4,0,2 (images 2, 4, 6, 7 have no captions).
    #expect(r.imageToText == RecallAtK(r1: 100.0 * 3 / 12, r5: 100.0 * 7 / 12, r10: 100.0 * 8 / 12))
    // Per caption: d < 1: 3, d < 5: 7, d < 10: 10.
    #expect(r.textToImage == RecallAtK(r1: 25, r5: 100.0 * 7 / 12, r10: 100.0 * 10 / 12))
    #expect(abs(r.meanCosine - 92.0 / 12 / 650.0.squareRoot()) < 1e-6)
  }

  @Test func tiesRankTheLowerIndexFirst() throws {
    // Both texts are identical; image 0 has text 1 only, image 1 has text 0 only.
    let images = Tensor(shape: [2, 2], data: [1, 0, 0, 1])
    let texts = Tensor(shape: [2, 2], data: [1, 1, 1, 1])
    let r = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: [1, 0])
    #expect(r.imageToText.r1 == 50)   // image 1's text 0 is first; image 0's text 1 is second
    #expect(r.textToImage.r1 == 50)   // text 1 → image 0 is first; text 0 → image 1 is second
  }

  @Test("matches a brute-force reference on random data", arguments: [(40, 100, 16), (7, 9, 5), (150, 500, 24)])
  func matchesReference(images n: Int, texts m: Int, dim: Int) throws {
    var rng = SplitMix64(seed: UInt64(n * 1000 + m))
    let images = Tensor.random(n, dim, using: &rng)
    let texts = Tensor.random(m, dim, using: &rng)
    // Every image gets at least one caption; the rest go to random images.
    let textToImage = (0..<m).map { $0 < n ? $0 : Int.random(in: 0..<n, using: &rng) }.shuffled(using: &rng)
    let r = try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: textToImage)
    let ref = Reference.retrieval(images: images, texts: texts, textToImage: textToImage)
    #expect([r.imageToText.r1, r.imageToText.r5, r.imageToText.r10] == ref.i2t)
    #expect([r.textToImage.r1, r.textToImage.r5, r.textToImage.r10] == ref.t2i)
    #expect(abs(r.meanCosine - ref.mean) < 1e-5)
    #expect(r.images == n && r.texts == m)
    // Scoring in blocks of a few image rows gives the same result.
    for block in [1, 3 * m + 1] {
      #expect(try RetrievalMetrics.compute(imageEmbeds: images, textEmbeds: texts, textToImage: textToImage, maxBlockElements: block) == r)
    }
  }

  @Test func jsonKeys() throws {
    let r = RetrievalResult(imageToText: RecallAtK(r1: 50, r5: 75, r10: 100), textToImage: RecallAtK(r1: 25, r5: 50, r10: 62.5),
                            meanCosine: 0.25, images: 4, texts: 8)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = String(decoding: try encoder.encode(r), as: UTF8.self)
    #expect(json == #"{"image_to_text":{"R@1":50,"R@10":100,"R@5":75},"images":4,"mean_cosine":0.25,"text_to_image":{"R@1":25,"R@10":62.5,"R@5":50},"texts":8}"#)
    #expect(try JSONDecoder().decode(RetrievalResult.self, from: Data(json.utf8)) == r)
  }
}
