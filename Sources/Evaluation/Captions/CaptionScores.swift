/// Caption metrics of a set of images, on pycocoevalcap's scale (fractions, CIDEr × 10 as it
/// reports it).
public struct CaptionScores: Sendable, Equatable {
  /// Corpus BLEU-1…4 (`bleu[k - 1]` is BLEU-k).
  public let bleu: [Double]
  /// CIDEr (pycocoevalcap's CIDEr-D): the mean of `perImageCIDEr`.
  public let cider: Double
  /// CIDEr of each image, by image id.
  public let perImageCIDEr: [String: Double]
  /// Number of images scored.
  public var images: Int { perImageCIDEr.count }

  public init(bleu: [Double], cider: Double, perImageCIDEr: [String: Double]) {
    self.bleu = bleu
    self.cider = cider
    self.perImageCIDEr = perImageCIDEr
  }

}

extension CaptionScores: OrderedJSONConvertible {
  /// `{"BLEU-1": …, "BLEU-2": …, "BLEU-3": …, "BLEU-4": …, "CIDEr": …, "images": N}`, in that
  /// order (the per-image CIDEr is left out).
  public var orderedJSON: OrderedJSON {
    .object(bleu.enumerated().map { ("BLEU-\($0.offset + 1)", OrderedJSON.number($0.element)) }
      + [("CIDEr", .number(cider)), ("images", .integer(images))])
  }
}
