import Foundation
import Preprocessing
import Tensors
import Testing
import TestSupport

/// `TrainingImagePipeline`: `.none` is the evaluation preprocessing, `.cropFlip` crops, flips and
/// normalises like the preprocessor.
@Suite struct AugmentPipelineTests {
  static let files = ["jpeg_640x427.jpg", "jpeg_500x375.jpg", "png_tall_60x150.png", "jpeg_444_37x53.jpg", "png_rgb8.png"]

  static func tinyPreprocessor() throws -> ImagePreprocessor {
    try ImagePreprocessor(configFile: Fixtures.url("clip/tiny/preprocessor_config.json"))
  }

  @Test(arguments: files)
  func noneEqualsEvaluationPreprocessingBitForBit(file: String) throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url("images/" + file))
    for preprocessor in [ImagePreprocessor(), try Self.tinyPreprocessor()] {
      let pipeline = TrainingImagePipeline(preprocessor: preprocessor, transform: .none)
      var rng = SeededRNG(seed: 1)
      let before = rng
      let out = pipeline(image, rng: &rng)
      let expected = preprocessor(image)
      #expect(out.count == expected.count)
      #expect(out.map(\.bitPattern) == expected.map(\.bitPattern))
      #expect(rng == before, ".none draws nothing")
    }
  }

  /// Scale 1 on a square image always crops the whole image, so the output is the normalised
  /// resize or its mirror image; both occur across seeds.
  @Test func cropFlipIsResizePlusOptionalFlipThenNormalise() throws {
    let square = try ImageDecoder.decode(contentsOf: Fixtures.url("images/jpeg_640x427.jpg"))
    let image = RandomResizedCrop(size: 100).apply(to: square, box: CropBox(top: 0, left: 0, height: 427, width: 427))
    let preprocessor = try Self.tinyPreprocessor()
    var normaliseOnly = preprocessor
    normaliseOnly.doResize = false
    normaliseOnly.doCenterCrop = false
    let resized = image.resized(width: 32, height: 32, filter: .bicubic)
    let plain = normaliseOnly(resized), mirrored = normaliseOnly(resized.flippedHorizontally())
    let pipeline = TrainingImagePipeline(preprocessor: preprocessor, transform: .cropFlip(scale: 1...1))
    var seen = Set<Bool>()
    for seed in 0..<40 {
      var rng = SeededRNG(seed: UInt64(seed))
      let out = pipeline(image, rng: &rng)
      #expect(out == plain || out == mirrored)
      seen.insert(out == mirrored)
    }
    #expect(seen == [false, true])
  }

  @Test func cropFlipShapeAndDeterminism() throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url("images/jpeg_500x375.jpg"))
    let pipeline = TrainingImagePipeline(preprocessor: ImagePreprocessor(imageSize: 64), transform: .cropFlip(scale: 0.08...1))
    #expect(pipeline.outputSize! == (64, 64))
    func run(_ seed: UInt64) -> [Float] {
      var rng = SeededRNG(seed: seed)
      return pipeline(image, rng: &rng)  // [3, 64, 64]
    }
    #expect(run(4).count == 3 * 64 * 64)
    #expect(run(4) == run(4))
    #expect(run(4) != run(5))
    // `write` fills a caller's buffer with the same values.
    var buffer = [Float](repeating: .nan, count: 3 * 64 * 64)
    var rng = SeededRNG(seed: 4)
    buffer.withUnsafeMutableBufferPointer { _ = pipeline.write(image, rng: &rng, into: $0) }
    #expect(buffer == run(4))
  }

  @Test func augmentedMatchesCropThenFlipWithTheSameDraws() throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url("images/jpeg_640x427.jpg"))
    let pipeline = TrainingImagePipeline(preprocessor: ImagePreprocessor(imageSize: 48), transform: .cropFlip(scale: 0.2...0.9))
    for seed in 0..<10 {
      var a = SeededRNG(seed: UInt64(seed)), b = a
      let viaPipeline = pipeline.augmented(image, rng: &a)
      let crop = RandomResizedCrop(size: 48, scale: 0.2...0.9)(image, rng: &b)
      let byHand = RandomHorizontalFlip(p: 0.5)(crop, rng: &b)
      #expect(viaPipeline == byHand)
      #expect(a == b)
    }
  }

  @Test func transformIsCodable() throws {
    for t in [TrainingImageTransform.none, .cropFlip(scale: TrainingImageTransform.openCLIPScale), .cropFlip(scale: 0.08...1)] {
      let data = try JSONEncoder().encode(t)
      #expect(try JSONDecoder().decode(TrainingImageTransform.self, from: data) == t)
    }
  }

  @Test func outputSizeIsNilWithoutAFixedSize() {
    var p = ImagePreprocessor(imageSize: 32)
    p.doCenterCrop = false
    #expect(TrainingImagePipeline(preprocessor: p, transform: .none).outputSize == nil)
    p.size = .exact(height: 20, width: 30)
    #expect(TrainingImagePipeline(preprocessor: p, transform: .none).outputSize! == (20, 30))
  }
}
