import Foundation
import Preprocessing
import Testing

/// Tokenizing 10,000 varied captions in one batch; the time is printed, not asserted (speed belongs
/// in benchmarks: a timed assertion fails on a loaded machine).
@Suite struct TokenizerPerformanceTests {
  /// 10,000 caption-like strings with some punctuation, digits, case and non-ASCII, all distinct.
  static func captions() -> [String] {
    let subjects = ["A man", "Two dogs", "a little girl", "The old woman", "Several people", "A brown cat",
                    "a young boy", "Three children", "A café owner", "The team"]
    let verbs = ["is riding", "are playing with", "is looking at", "sits next to", "walks toward",
                 "holds", "jumps over", "is eating", "paints", "is photographing"]
    let objects = ["a red bicycle", "the frisbee", "a huge wave", "an umbrella", "two horses",
                   "a wooden bench", "the city skyline", "a birthday cake", "a naïve sketch", "the 3 balloons"]
    let places = ["in the park.", "on a sunny beach!", "near the river", "at night, in Tokyo.",
                  "during the festival", "in the snow", "outside a building", "by the lake at 5pm", "", "🙂"]
    var out: [String] = []
    out.reserveCapacity(10_000)
    for i in 0..<10_000 {
      out.append("\(subjects[i % 10]) \(verbs[(i / 10) % 10]) \(objects[(i / 100) % 10]) \(places[(i / 7) % 10]) #\(i)")
    }
    return out
  }

  @Test func tenThousandCaptionsInOneBatch() throws {
    let t = try CLIPTokenizer(modelDirectory: TokenizerFixtures.hfFolder)  // fresh: cold word cache
    let texts = Self.captions()
    let clock = ContinuousClock()
    var ids: [[Int]] = []
    let elapsed = clock.measure { ids = t.encode(batch: texts) }
    let serial = clock.measure { for text in texts.prefix(2000) { _ = t.encode(text) } }
    print("tokenizer: 10,000 captions in \(elapsed) (batch), 2,000 in \(serial) (one by one, warm cache)")
    #expect(ids.count == 10_000)
    #expect(ids.allSatisfy { $0.first == t.startToken && $0.last == t.endToken && $0.count > 8 })
    #expect(ids == texts.map { t.encode($0) }, "batch encoding equals one-by-one encoding")
  }
}
