import Foundation
import Tensors

/// The score processors generation applies before choosing tokens (transformers'
/// `NoRepeatNGramLogitsProcessor` and `MinLengthLogitsProcessor` / `MinNewTokensLengthLogitsProcessor`):
/// banned tokens get −∞. Greedy search processes the raw logits, beam search the log-probabilities.
enum LogitsProcessing {
  /// Bans, in `scores` [V], every token that would complete an n-gram of size `n` already in
  /// `tokens` (the whole sequence so far, start token included): for each window tokens[i..<i+n]
  /// whose first n−1 tokens equal the last n−1 tokens, tokens[i+n−1] is banned.
  static func banRepeatedNGrams(_ scores: UnsafeMutablePointer<Float>, vocabulary: Int, tokens: [Int], n: Int) {
    let length = tokens.count
    guard n > 0, length >= n else { return }
    let prefixStart = length - n + 1
    for i in 0...(length - n) {
      var same = true
      for j in 0..<(n - 1) where tokens[i + j] != tokens[prefixStart + j] { same = false; break }
      let banned = tokens[i + n - 1]
      if same && banned >= 0 && banned < vocabulary { scores[banned] = -.infinity }
    }
  }

  /// Bans the EOS ids while the sequence is shorter than `minLength` (start token included).
  static func banEOS(_ scores: UnsafeMutablePointer<Float>, vocabulary: Int, length: Int, minLength: Int, eos: [Int]) {
    guard length < minLength else { return }
    for id in eos where id >= 0 && id < vocabulary { scores[id] = -.infinity }
  }

  /// Both, as `generate` builds its processor list from the config.
  static func apply(_ scores: UnsafeMutablePointer<Float>, vocabulary: Int, tokens: [Int], config: GenerationConfig) {
    if config.noRepeatNGramSize > 0 {
      banRepeatedNGrams(scores, vocabulary: vocabulary, tokens: tokens, n: config.noRepeatNGramSize)
    }
    banEOS(scores, vocabulary: vocabulary, length: tokens.count, minLength: config.totalMinLength, eos: config.eosTokenIDs)
  }

  /// log_softmax of one row in place, as torch computes it: (x − max) − log Σ exp(x − max) (the sum in Double).
  static func logSoftmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var mx = -Float.infinity
    for i in 0..<count { mx = Swift.max(mx, x[i]) }
    guard mx.isFinite else { return }
    var sum: Double = 0
    for i in 0..<count { sum += Double(FastMath.exp(x[i] - mx)) }
    let logSum = Float(Foundation.log(sum))
    for i in 0..<count { x[i] = (x[i] - mx) - logSum }
  }
}

