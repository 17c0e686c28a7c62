import Layers

/// Decoder inputs and labels for teacher-forced training, exactly as `VisionEncoderDecoderModel`
/// builds them from labels:
///
///     labels_b        = caption_b + [eos], then −100 up to the batch's longest      [B, T]
///     decoder_input_b = [start] + labels_b[..<T−1], with −100 replaced by pad        [B, T]
///
/// (`shift_tokens_right`). The loss is then the mean cross-entropy over every label that is not
/// −100: the token-weighted mean over the batch, so the model also learns to stop (the EOS label).
public struct TeacherForcing: Sendable, Equatable {
  public let decoderInputs: [[Int]]
  public let labels: [[Int]]

  /// `captions`: token ids of each caption (no special tokens), each truncated to `maxTokens`
  /// before EOS is appended. Throws for an empty caption (it would teach only "stop"): the
  /// message names its row, which callers map to a file and line.
  public init(captions: [[Int]], start: Int, pad: Int, eos: Int, maxTokens: Int) throws {
    precondition(maxTokens >= 1, "teacher forcing: maxTokens must be positive")
    if let empty = captions.firstIndex(where: \.isEmpty) {
      throw CaptioningError("caption \(empty) of the batch tokenizes to nothing; an empty caption cannot be a training target")
    }
    let rows = captions.map { Array($0.prefix(maxTokens)) + [eos] }
    let t = rows.map(\.count).max() ?? 0
    labels = rows.map { $0 + Array(repeating: CrossEntropyLoss.ignoreIndex, count: t - $0.count) }
    decoderInputs = labels.map { row in
      [start] + row.dropLast().map { $0 == CrossEntropyLoss.ignoreIndex ? pad : $0 }
    }
  }

  /// Labels that count in the loss (not −100).
  public var tokenCount: Int { labels.reduce(0) { $0 + $1.reduce(0) { $0 + ($1 == CrossEntropyLoss.ignoreIndex ? 0 : 1) } } }
}
