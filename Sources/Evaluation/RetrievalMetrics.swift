import Tensors

/// Zero-shot image–text retrieval metrics (the CLIP_benchmark protocol).
///
/// Rankings sort by cosine similarity, highest first; equal scores rank the lower index first
/// (what a stable descending sort gives). Recalls are in percent.
public enum RetrievalMetrics {
  /// imageEmbeds: [N, D], textEmbeds: [M, D] (any scale: rows are L2-normalised here),
  /// textToImage: [M], the image index of each caption.
  ///
  /// - image→text: an image query is a hit at k if any of its captions is among the top-k texts
  ///   (an image without captions is always a miss).
  /// - text→image: a caption query is a hit at k if its image is among the top-k images.
  /// - meanCosine: the mean cosine of the M matched (image, caption) pairs.
  ///
  /// The N×M similarity matrix is never held whole: it is computed in blocks of image rows of at
  /// most `maxBlockElements` scores (default 2²⁴ floats, 64 MB; at least one row). The block
  /// size changes memory use and speed, never the result.
  ///
  /// Throws `EvaluationError` (never traps) for shapes that do not fit, no images or no texts,
  /// `textToImage` entries outside the images, and embeddings holding NaN or ±infinity.
  /// A query whose own score is NaN counts as a miss, and a NaN score never outranks a number.
  public static func compute(imageEmbeds: Tensor, textEmbeds: Tensor, textToImage: [Int],
                             maxBlockElements: Int = 1 << 24) throws -> RetrievalResult {
    func fail(_ message: String) -> EvaluationError { EvaluationError(file: "", message: message) }
    guard imageEmbeds.rank == 2, textEmbeds.rank == 2 else {
      throw fail("embeddings must be [count, dim], got images \(imageEmbeds.shape) and texts \(textEmbeds.shape)")
    }
    guard imageEmbeds.shape[1] == textEmbeds.shape[1] else {
      throw fail("image embeddings have \(imageEmbeds.shape[1]) dimensions, text embeddings \(textEmbeds.shape[1])")
    }
    let n = imageEmbeds.shape[0], m = textEmbeds.shape[0], dim = imageEmbeds.shape[1]
    guard n > 0 else { throw fail("no images to evaluate") }
    guard m > 0 else { throw fail("\(n) image\(n == 1 ? "" : "s") but no captions to evaluate") }
    guard textToImage.count == m else { throw fail("\(textToImage.count) caption-to-image entries for \(m) captions") }
    if let bad = textToImage.firstIndex(where: { !(0..<n).contains($0) }) {
      throw fail("caption \(bad) belongs to image \(textToImage[bad]), outside the \(n) images")
    }
    try checkFinite(imageEmbeds, "image embeddings")
    try checkFinite(textEmbeds, "text embeddings")

    let images = Similarity.l2NormalizedRows(imageEmbeds)   // [N, D]
    let texts = Similarity.l2NormalizedRows(textEmbeds)     // [M, D]

    // Cosine of each caption with its own image.  [M]
    var positive = [Float](repeating: 0, count: m)
    images.data.withUnsafeBufferPointer { pi in
      texts.data.withUnsafeBufferPointer { pt in
        for t in 0..<m {
          positive[t] = VectorOps.dot(pt.baseAddress! + t * dim, pi.baseAddress! + textToImage[t] * dim, dim)
        }
      }
    }
    var captionsOf = [[Int]](repeating: [], count: n)
    for (t, i) in textToImage.enumerated() { captionsOf[i].append(t) }

    var imageRank = [Int](repeating: .max, count: n)   // best rank of any own caption, per image
    var textRank = [Int](repeating: 0, count: m)       // rank of the own image, per caption
    let blockRows = max(1, min(n, maxBlockElements / m))
    for start in stride(from: 0, to: n, by: blockRows) {
      let rows = start..<min(n, start + blockRows)
      let block = Similarity.scores(images.rows(rows), texts)   // [B, M]
      block.data.withUnsafeBufferPointer { ps in
        let s = ps.baseAddress!
        imageRank.withUnsafeMutableBufferPointer { out in
          let out = out.baseAddress!
          Parallel.forEach(rows.count) { local in
            for r in local {
              out[rows.lowerBound + r] = bestRank(row: s + r * m, count: m, positives: captionsOf[rows.lowerBound + r])
            }
          }
        }
        textRank.withUnsafeMutableBufferPointer { out in
          let out = out.baseAddress!
          Parallel.forEach(m, grain: 1024) { columns in
            for r in 0..<rows.count {
              let i = rows.lowerBound + r, row = s + r * m
              for t in columns where i != textToImage[t] {
                let score = row[t], own = positive[t]
                if own.isNaN { out[t] = .max; continue }   // no rank for a NaN score: a miss
                if out[t] != .max, score > own || (score == own && i < textToImage[t]) { out[t] += 1 }
              }
            }
          }
        }
      }
    }

    let meanCosine = positive.reduce(0.0) { $0 + Double($1) } / Double(m)
    return RetrievalResult(imageToText: RecallAtK(ranks: imageRank), textToImage: RecallAtK(ranks: textRank),
                           meanCosine: meanCosine, images: n, texts: m)
  }

  /// Throws naming `what` when `x` holds a NaN or an infinity (a model with non-finite weights
  /// gives such features; their scores would rank arbitrarily).
  static func checkFinite(_ x: Tensor, _ what: String) throws {
    var nan = false, inf = false
    for v in x.data where !v.isFinite { if v.isNaN { nan = true } else { inf = true } }
    guard nan || inf else { return }
    throw EvaluationError(file: "", message: "\(what) hold \(nan ? "NaN" : "infinite values"): the model's weights are not finite?")
  }

  /// 0-based rank of the best-placed index of `positives` in `row` (descending, ties to the lower
  /// index); `Int.max` when there are no positives.
  static func bestRank(row: UnsafePointer<Float>, count: Int, positives: [Int]) -> Int {
    guard var best = positives.first else { return .max }
    for p in positives.dropFirst() where (row[best].isNaN && !row[p].isNaN) || row[p] > row[best] || (row[p] == row[best] && p < best) { best = p }
    let score = row[best]
    guard !score.isNaN else { return .max }   // every own score NaN: a miss, never rank 0
    var rank = 0
    for j in 0..<count where row[j] > score || (row[j] == score && j < best) { rank += 1 }
    return rank
  }
}
