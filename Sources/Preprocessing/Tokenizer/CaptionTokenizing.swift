/// How a training stream turns a caption into ids: CLIP's with start/end tokens truncated to the
/// context length; GPT-2's plain BPE ids truncated to the caption limit (the captioner appends
/// EOS itself, see `TeacherForcing`).
public protocol CaptionTokenizing: Sendable {
  /// The ids of `text`, at most `limit` of them.
  func trainingIDs(_ text: String, limit: Int) -> [Int]
}

extension CLIPTokenizer: CaptionTokenizing {
  public func trainingIDs(_ text: String, limit: Int) -> [Int] { encode(text, contextLength: limit) }
}

extension GPT2Tokenizer: CaptionTokenizing {
  public func trainingIDs(_ text: String, limit: Int) -> [Int] { Array(encode(text).prefix(limit)) }
}
