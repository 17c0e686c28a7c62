import Tensors

/// A seeded SplitMix64 generator, so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension Tensor {
  /// Uniform values in -1...1, shape [rows, dim].
  static func random(_ rows: Int, _ dim: Int, using rng: inout SplitMix64) -> Tensor {
    Tensor(shape: [rows, dim], data: (0..<(rows * dim)).map { _ in Float.random(in: -1...1, using: &rng) })
  }
}

/// Straightforward reference implementations (Double, full matrices, sorting) to check the
/// metrics against.
enum Reference {
  static func normalized(_ x: Tensor) -> [[Double]] {
    let d = x.shape[1]
    return (0..<x.shape[0]).map { r in
      let row = (0..<d).map { Double(x.data[r * d + $0]) }
      let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
      return row.map { $0 / norm }
    }
  }

  static func cosine(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

  /// Indices sorted by descending score, ties by index.
  static func order(_ scores: [Double]) -> [Int] {
    scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
  }

  static func retrieval(images: Tensor, texts: Tensor, textToImage: [Int]) -> (i2t: [Double], t2i: [Double], mean: Double) {
    let im = normalized(images), tx = normalized(texts)
    let ks = [1, 5, 10]
    var i2t = [0.0, 0, 0], t2i = [0.0, 0, 0]
    for (i, image) in im.enumerated() {
      let ranked = order(tx.map { cosine(image, $0) })
      for (n, k) in ks.enumerated() where ranked.prefix(k).contains(where: { textToImage[$0] == i }) { i2t[n] += 1 }
    }
    for (t, text) in tx.enumerated() {
      let ranked = order(im.map { cosine(text, $0) })
      for (n, k) in ks.enumerated() where ranked.prefix(k).contains(textToImage[t]) { t2i[n] += 1 }
    }
    let mean = tx.indices.reduce(0.0) { $0 + cosine(tx[$1], im[textToImage[$1]]) } / Double(tx.count)
    return (i2t.map { 100 * $0 / Double(im.count) }, t2i.map { 100 * $0 / Double(tx.count) }, mean)
  }

  static func zeroShot(images: Tensor, classifier: Tensor, labels: [Int]) -> (acc1: Double, acc5: Double, balanced: Double) {
    let im = normalized(images)
    let d = classifier.shape[1]
    let cls = (0..<classifier.shape[0]).map { r in (0..<d).map { Double(classifier.data[r * d + $0]) } }
    var top1 = 0.0, top5 = 0.0
    var perClass: [Int: (hit: Double, total: Double)] = [:]
    for (i, image) in im.enumerated() {
      let ranked = order(cls.map { cosine(image, $0) })
      let hit = ranked[0] == labels[i]
      if hit { top1 += 1 }
      if ranked.prefix(5).contains(labels[i]) { top5 += 1 }
      perClass[labels[i], default: (0, 0)].hit += hit ? 1 : 0
      perClass[labels[i], default: (0, 0)].total += 1
    }
    let balanced = perClass.values.reduce(0) { $0 + $1.hit / $1.total } / Double(perClass.count)
    return (100 * top1 / Double(im.count), 100 * top5 / Double(im.count), 100 * balanced)
  }
}
