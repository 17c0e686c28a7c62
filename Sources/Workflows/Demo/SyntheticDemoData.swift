import Datasets
import Foundation

/// The two synthetic domains of the demo and what the rest of it needs from them.
struct SyntheticDemoData {
  var base: URL
  var shifted: URL
  /// Every caption of both domains (the tokenizer's training corpus).
  var allCaptions: [String]
  var shiftedOptions: SyntheticDatasetOptions

  /// Writes `base/` (seed S) and `shifted/` (seed S + 1) under `folder`.
  static func write(_ options: DemoOptions, into folder: URL) throws -> SyntheticDemoData {
    let baseOptions = SyntheticDatasetOptions(imageCount: options.baseImages, seed: options.seed, domain: .base,
                                              imageSize: options.imageSize)
    let shiftedOptions = SyntheticDatasetOptions(imageCount: options.shiftedImages, seed: options.seed &+ 1,
                                                 domain: .shifted, imageSize: options.imageSize)
    let base = folder.appendingPathComponent("base"), shifted = folder.appendingPathComponent("shifted")
    try SyntheticDataset.write(to: base, options: baseOptions)
    try SyntheticDataset.write(to: shifted, options: shiftedOptions)
    let captions = (0..<baseOptions.imageCount).flatMap { SyntheticDataset.sample(index: $0, options: baseOptions).captions }
      + (0..<shiftedOptions.imageCount).flatMap { SyntheticDataset.sample(index: $0, options: shiftedOptions).captions }
    return SyntheticDemoData(base: base.appendingPathComponent("dataset.json"), shifted: shifted.appendingPathComponent("dataset.json"),
                             allCaptions: captions, shiftedOptions: shiftedOptions)
  }

  /// Zero-shot over the shifted domain's shape names: each test image whose objects all share one
  /// shape is labelled with it (scenes of two different shapes are left out).
  var shiftedZeroShot: (RetrievalDataset) throws -> ZeroShotLabels {
    let options = shiftedOptions
    return { test in
      let shapes = options.domain.shapes
      var indexOfFile: [String: Int] = [:]
      for i in 0..<options.imageCount { indexOfFile[SyntheticDataset.fileName(index: i)] = i }
      let labels = test.items.map { item -> Int? in
        guard let index = indexOfFile[item.image.lastPathComponent] else { return nil }
        let objectShapes = Set(SyntheticDataset.sample(index: index, options: options).scene.objects.map(\.shape))
        guard objectShapes.count == 1, let shape = objectShapes.first else { return nil }
        return shapes.firstIndex(of: shape)
      }
      return ZeroShotLabels(classNames: shapes.map(\.rawValue), templates: Self.shapeTemplates, labels: labels)
    }
  }

  /// Prompts in the captions' own words.
  static let shapeTemplates = ["a {}", "a picture of a {}", "there is a {}", "a single {}"]
}
