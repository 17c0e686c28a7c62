import Foundation
import Layers
import Tensors

extension CaptionPipeline {
  /// The teacher-forced cross-entropy of every (image, caption) pair, as one token-weighted mean:
  /// images `batchSize` at a time, each encoded once and cross-attended by all its captions
  /// (inference mode, no dropout). `captions[i]` are image i's; images without captions are
  /// skipped. Returns (mean over counted labels, labels counted); the mean is NaN with none.
  /// An empty caption throws naming its image.
  public func teacherForcedLoss(images: [URL], captions: [[String]], batchSize: Int, maxTokens: Int,
                                progress: ((Int) -> Void)? = nil) throws -> (mean: Double, tokens: Int) {
    precondition(images.count == captions.count, "one caption list per image")
    let (start, pad, eos) = try model.config.teacherForcingIds(file: directory.appendingPathComponent("config.json").path)
    let rows = images.indices.filter { !captions[$0].isEmpty }
    var sum = 0.0, count = 0, done = 0
    for chunkStart in stride(from: 0, to: rows.count, by: max(1, batchSize)) {
      let chunk = Array(rows[chunkStart..<min(rows.count, chunkStart + batchSize)])
      let states = try model.encode(try pixelValues(chunk.map { images[$0] }))  // [b, S, C]
      var owners: [Int] = [], ids: [[Int]] = []
      for (k, i) in chunk.enumerated() {
        for text in captions[i] {
          let tokens = tokenizer.encode(text)
          guard !tokens.isEmpty else {
            throw CaptioningError(file: images[i].path, "has an empty caption (\"\(text)\"); it cannot be scored")
          }
          owners.append(k)
          ids.append(tokens)
        }
      }
      let targets = try TeacherForcing(captions: ids, start: start, pad: pad, eos: eos, maxTokens: maxTokens)
      let logits = model.decoder.forward(targets.decoderInputs, encoder: states.gatherRows(owners))
      let part = CrossEntropyLoss.lossSum(logits: logits, labels: targets.labels.flatMap { $0 })
      sum += part.sum
      count += part.count
      done += chunk.count
      progress?(done)
    }
    return (count == 0 ? .nan : sum / Double(count), count)
  }
}
