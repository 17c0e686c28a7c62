import Foundation
import Tensors

/// CLIPScore and RefCLIPScore (Hessel et al., 2021, "CLIPScore: A Reference-free Evaluation
/// Metric for Image Captioning"), as their reference implementation (jmhessel/clipscore) computes
/// them from L2-normalised CLIP features, every caption prefixed with "A photo depicts":
///
///     CLIP-S(c, v)        = w · max(cos(c, v), 0),  w = 2.5
///     RefCLIP-S(c, R, v)  = H(CLIP-S(c, v), max_{r ∈ R} cos(c, r))   (H: harmonic mean)
///
/// averaged over images. Cosines accumulate in Double.
public enum CLIPScore {
  /// The prefix the reference implementation puts before every candidate and reference.
  public static let prefix = "A photo depicts "
  /// The weight w.
  public static let weight = 2.5

  /// Per-image and mean scores.
  public struct Result: Sendable, Equatable {
    public var clipScore: Double
    public var refCLIPScore: Double?
    public var perImage: [Double]
    public var perImageRef: [Double]?
  }

  /// images [N, D], candidates [N, D] (one caption per image), references: for image i the rows of
  /// `referenceFeatures` [M, D] that are its references (nil: no RefCLIPScore). Features need not be
  /// normalised.
  public static func compute(images: Tensor, candidates: Tensor, referenceFeatures: Tensor? = nil,
                             referencesOf: [[Int]]? = nil) -> Result {
    let v = images.l2NormalizedRows(), c = candidates.l2NormalizedRows()
    let n = v.shape[0], d = v.shape[1]
    precondition(c.shape == v.shape, "CLIPScore: one candidate per image")
    func cosine(_ a: Tensor, _ i: Int, _ b: Tensor, _ j: Int) -> Double {
      var s = 0.0
      for k in 0..<d { s += Double(a.data[i * d + k]) * Double(b.data[j * d + k]) }
      return s
    }
    let per = (0..<n).map { weight * max(cosine(c, $0, v, $0), 0) }
    var result = Result(clipScore: per.isEmpty ? .nan : per.reduce(0, +) / Double(n), refCLIPScore: nil, perImage: per, perImageRef: nil)
    if let referenceFeatures, let referencesOf {
      let r = referenceFeatures.l2NormalizedRows()
      precondition(referencesOf.count == n && referencesOf.allSatisfy { !$0.isEmpty }, "RefCLIPScore: references for every image")
      let ref = (0..<n).map { i in
        let textText = referencesOf[i].map { cosine(c, i, r, $0) }.max()!
        let denominator = per[i] + textText
        return denominator == 0 ? 0 : 2 * per[i] * textText / denominator
      }
      result.perImageRef = ref
      result.refCLIPScore = ref.reduce(0, +) / Double(n)
    }
    return result
  }
}
