import Captioning
import Evaluation
import Foundation

/// A captioner on one split: a caption generated for every image, the token-weighted
/// teacher-forced loss over every reference caption, and BLEU-1…4 / CIDEr-D of the generated
/// captions against the references (images without references are not scored). What training
/// validation and the caption demo measure.
public struct CaptionSplitEvaluation {
  public var captions: [GeneratedCaption]
  /// nil when no image has a reference caption.
  public var scores: CaptionScores?
  public var loss: Double
  /// Labels counted in `loss` (caption tokens + one EOS per caption).
  public var tokens: Int

  /// `references[i]` are the captions of `images[i]`; `batchSize` images per forward pass.
  public init(pipeline: CaptionPipeline, images: [URL], references: [[String]], generation: GenerationConfig,
              batchSize: Int, maxTokens: Int) throws {
    let loss = try pipeline.teacherForcedLoss(images: images, captions: references, batchSize: batchSize, maxTokens: maxTokens)
    let generated = try pipeline.caption(images, config: generation, batchSize: batchSize)
    let scored = images.indices.filter { !references[$0].isEmpty }
    scores = scored.isEmpty ? nil : try CaptionMetrics.evaluate(
      predictions: Dictionary(uniqueKeysWithValues: scored.map { (images[$0].path, generated[$0].text) }),
      references: Dictionary(uniqueKeysWithValues: scored.map { (images[$0].path, references[$0]) }))
    captions = generated
    self.loss = loss.mean
    tokens = loss.tokens
  }

  /// JSON lines `{"image": PATH, "caption": TEXT, "token_ids": […]}`, one per image, as
  /// `cliptune caption` writes them.
  public static func jsonLines(images: [URL], captions: [GeneratedCaption]) -> String {
    zip(images, captions).map { image, c in
      OrderedJSON.object([("image", .string(image.path)), ("caption", .string(c.text)),
                          ("token_ids", .array(c.tokenIDs.map { .integer($0) }))]).compactText() + "\n"
    }.joined()
  }
}
