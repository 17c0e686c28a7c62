import Foundation
import Tensors

/// transformers 5's beam search (`_beam_search` and its helpers), per image, in float32 as it
/// computes, with its −1e9 masks:
///
/// - scores: log_softmax(logits), processed (no-repeat n-gram, min length), plus each beam's running
///   score; the first step counts beam 0 only (the others start at −1e9).
/// - candidates: the top K = max(2, 1 + #EOS) · num_beams of beams × vocabulary.
/// - a candidate "hits" when its token is an EOS id or the sequence reaches max_length. The next
///   running beams are the top num_beams candidates after −1e9 on the hits.
/// - finished hypotheses: the hits among the first num_beams candidates, scored
///   sum(log p) / (generated tokens)^length_penalty (generated tokens count the EOS, not the start),
///   merged with the kept ones by score, num_beams kept; nothing is added once the image is "done"
///   (early_stopping true and num_beams finished, or the heuristic below says no improvement).
/// - the heuristic: the best running score over (cur_len − 1)^length_penalty (early_stopping
///   "never" with length_penalty > 0: over (max_length − 1)^length_penalty) cannot beat the worst
///   finished score; once true it stays true.
/// - output: each image's best finished hypothesis, all cut to the longest of them, padded with
///   pad_token_id (or the first EOS id when pad is 0 or unset, as generate fills).
///
/// Images that are done leave the cache; the rows of the others are reordered to their beams.
enum BeamSearch {
  /// A sequence with its score and how many tokens it generated (0 for the −1e9 placeholders).
  struct Hypothesis {
    var tokens: [Int]
    var score: Float
    var generated: Int
  }

  struct ImageState {
    var running: [Hypothesis]
    var finished: [Hypothesis]
    var isFinished: [Bool]
    var improvable = true  // transformers' is_early_stop_heuristic_unsatisfied
  }

  static func run(decoder: GPT2Decoder, encoderStates: Tensor, config: GenerationConfig) -> [[Int]] {
    let b = encoderStates.shape[0], v = decoder.vocabulary, nb = config.numBeams
    let maxLength = config.totalMaxLength, eos = config.eosTokenIDs, start = config.startTokenID!
    let keepCount = Swift.max(2, 1 + eos.count) * nb
    let lp = config.lengthPenalty, earlyStopping = config.earlyStopping
    let penaltyLength = { (n: Int) in Float(pow(Double(n), lp)) }
    let fill = eos.isEmpty ? -1 : ((config.effectivePadTokenID ?? 0) != 0 ? config.effectivePadTokenID! : eos[0])

    var states = (0..<b).map { _ in
      ImageState(running: (0..<nb).map { Hypothesis(tokens: [start], score: $0 == 0 ? 0 : -1e9, generated: 0) },
                 finished: (0..<nb).map { _ in Hypothesis(tokens: [start], score: -1e9, generated: 0) },
                 isFinished: [Bool](repeating: false, count: nb))
    }
    var active = Array(0..<b)  // the images whose beams are cache rows (nb consecutive rows each)
    var cache = decoder.makeCache(encoderStates: encoderStates, rowsPerImage: nb, capacity: maxLength)
    var length = 1  // cur_len
    while !active.isEmpty {
      var ids = [Int]()
      for image in active { for beam in states[image].running { ids.append(beam.tokens.last!) } }
      var logits = decoder.step(ids, cache: &cache)
      var nextRows = [Int](), nextActive = [Int]()
      logits.data.withUnsafeMutableBufferPointer { buffer in
        for (slot, image) in active.enumerated() {
          var state = states[image]
          // Accumulated log-probabilities of every (beam, token), and their top K.
          for beam in 0..<nb {
            let row = buffer.baseAddress! + (slot * nb + beam) * v
            LogitsProcessing.logSoftmax(row, count: v)
            LogitsProcessing.apply(row, vocabulary: v, tokens: state.running[beam].tokens, config: config)
            let base = state.running[beam].score
            for t in 0..<v { row[t] += base }
          }
          let top = topK(buffer.baseAddress! + slot * nb * v, count: nb * v, k: keepCount)
          var topHyps = [Hypothesis](), hits = [Bool]()
          for (score, index) in top {
            let beam = index / v, token = index % v
            topHyps.append(Hypothesis(tokens: state.running[beam].tokens + [token], score: score, generated: length))
            hits.append(length + 1 >= maxLength || eos.contains(token))
          }
          let sources = top.map { $0.index / v }
          // Next running beams: the best candidates that did not hit a stop.
          let candidateScores = zip(topHyps, hits).map { $0.score + ($1 ? -1.0e9 : 0) }
          let nextBeams = topIndices(candidateScores, k: nb)
          state.running = nextBeams.map { var h = topHyps[$0]; h.score = candidateScores[$0]; return h }
          // Finished hypotheses: the hits among the first num_beams candidates, merged by score.
          let full = earlyStopping == .whenFull && state.isFinished.allSatisfy { $0 }
          let divisor = penaltyLength(length + 1 - 1)
          var merged = state.finished, mergedFinished = state.isFinished
          for k in 0..<keepCount {
            let did = hits[k] && k < nb
            var s = topHyps[k].score / divisor
            s += full ? -1.0e9 : 0
            s += state.improvable ? 0 : -1.0e9
            s += did ? 0 : -1.0e9
            var h = topHyps[k]
            h.score = s
            merged.append(h)
            mergedFinished.append(did)
          }
          let kept = topIndices(merged.map(\.score), k: nb)
          state.finished = kept.map { merged[$0] }
          state.isFinished = kept.map { mergedFinished[$0] }
          // The heuristic for the next length (cur_len + 1).
          let bestLength = earlyStopping == .never && lp > 0 ? maxLength - 1 : length + 1 - 1
          let bestRunning = state.running[0].score / penaltyLength(bestLength)
          let worst = state.finished.map(\.score).min()!
          let canImprove = state.isFinished.contains { bestRunning > ($0 ? worst : -1.0e9) }
          state.improvable = state.improvable && canImprove
          states[image] = state
          let done = !state.improvable || (earlyStopping == .whenFull && state.isFinished.allSatisfy { $0 })
          if !done {
            nextActive.append(image)
            nextRows += nextBeams.map { slot * nb + sources[$0] }
          }
        }
      }
      length += 1
      if length >= maxLength { break }
      active = nextActive
      if !active.isEmpty { cache.reorder(rows: nextRows) }
    }
    let outputLength = 1 + states.map { $0.finished[0].generated }.max()!
    return states.map { state in
      let best = state.finished[0].tokens.prefix(outputLength)
      return Array(best) + [Int](repeating: fill, count: outputLength - best.count)
    }
  }

  /// Indices of the k largest of `count` scores, largest first; on ties the lower index first.
  static func topK(_ scores: UnsafePointer<Float>, count: Int, k: Int) -> [(score: Float, index: Int)] {
    var best = [(score: Float, index: Int)]()
    best.reserveCapacity(k + 1)
    for i in 0..<count {
      let s = scores[i]
      if best.count == k, !(s > best[k - 1].score) { continue }
      var at = best.count
      while at > 0 && s > best[at - 1].score { at -= 1 }
      best.insert((s, i), at: at)
      if best.count > k { best.removeLast() }
    }
    return best
  }

  static func topIndices(_ scores: [Float], k: Int) -> [Int] {
    scores.withUnsafeBufferPointer { topK($0.baseAddress!, count: scores.count, k: k).map(\.index) }
  }
}
