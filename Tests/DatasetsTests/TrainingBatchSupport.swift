import Datasets
import Foundation
import Preprocessing
import Tensors
import TestSupport

/// A small caption table over real images, written into a fresh temporary folder, plus the tiny
/// model's tokenizer and 32×32 preprocessing.
struct TrainingBatchFixture {
  static let sourceImages = [
    "clip/tiny/e2e/image_0.png", "clip/tiny/e2e/image_1.png", "clip/tiny/e2e/image_2.jpg", "clip/tiny/e2e/image_3.jpg",
    "images/jpeg_420_300x199.jpg", "images/jpeg_422_123x77.jpg", "images/png_tall_60x150.png",
    "images/jpeg_444_37x53.jpg", "images/png_rgb8.png", "images/jpeg_progressive_123x77.jpg",
  ]
  static let tokenizer: CLIPTokenizer = try! CLIPTokenizer(modelDirectory: Fixtures.url("clip/tiny"))
  static let preprocessor: ImagePreprocessor = try! ImagePreprocessor(configFile: Fixtures.url("clip/tiny/preprocessor_config.json"))

  let root: URL
  let csv: URL
  let dataset: RetrievalDataset

  /// Image i (of `imageCount`, cycling through `sourceImages`) is `img_i.<ext>` with
  /// `captionCounts[i]` captions "a photo number i caption c".
  init(captionCounts: [Int] = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5], corrupt: Set<Int> = []) throws {
    root = Fixtures.temporaryDirectory("training-batches")
    var rows = ["filepath,caption"]
    for (i, count) in captionCounts.enumerated() {
      let source = Fixtures.url(Self.sourceImages[i % Self.sourceImages.count])
      let name = "img_\(i).\(source.pathExtension)"
      let target = root.appendingPathComponent(name)
      if corrupt.contains(i) {
        let bytes = try Data(contentsOf: source)
        try bytes.prefix(bytes.count / 3).write(to: target)  // truncated image data
      } else {
        try FileManager.default.copyItem(at: source, to: target)
      }
      precondition(count > 0, "a caption table cannot list an image without captions")
      for c in 0..<count { rows.append("\(name),a photo number \(i) caption \(c)") }
    }
    csv = root.appendingPathComponent("captions.csv")
    try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: csv)
    dataset = try RetrievalDataset.load(csv)
  }

  func batches(_ options: TrainingBatchOptions, preprocessor: ImagePreprocessor = TrainingBatchFixture.preprocessor) throws -> TrainingBatches {
    try TrainingBatches(dataset: dataset, tokenizer: Self.tokenizer, preprocessor: preprocessor, options: options)
  }

  func path(_ item: Int) -> String { dataset.items[item].image.path }
}

extension TrainingBatch {
  /// Bit patterns of the pixels, so comparisons are exact (NaN-safe, -0 ≠ +0).
  var pixelBits: [UInt32] { pixelValues.data.map(\.bitPattern) }

  /// Everything a batch carries, for exact comparison.
  func same(as other: TrainingBatch) -> Bool {
    position == other.position && pixelValues.shape == other.pixelValues.shape && pixelBits == other.pixelBits
      && tokenIDs == other.tokenIDs && itemIndices == other.itemIndices && captionIndices == other.captionIndices
  }
}

extension TrainingBatches {
  /// The next `n` batches.
  func take(_ n: Int) throws -> [TrainingBatch] { try (0..<n).map { _ in try next() } }
}
