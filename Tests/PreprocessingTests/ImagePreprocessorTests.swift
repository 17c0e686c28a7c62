import Foundation
import Preprocessing
import Tensors
import Testing
import TestSupport

/// The whole pipeline vs transformers' PIL-backend `CLIPImageProcessorPil`, and config parsing.
@Suite struct ImagePreprocessorTests {
  @Test(arguments: ImageManifest.shared.pipeline)
  func pipelineMatchesTransformers(_ c: ImageManifest.Pipeline) throws {
    let processor = try ImagePreprocessor(configFile: ImageFixtures.url(c.config))
    let image = try ImageDecoder.decode(contentsOf: ImageFixtures.url(c.file))
    let out = processor(image)  // [3, H, W]
    let expected = try ImageFixtures.floats(c.expected)
    #expect(processor.outputShape(height: image.height, width: image.width) == c.shape)
    try #require(out.count == expected.count, "\(c.file): \(out.count) values, expected \(c.shape)")
    let closeness = Closeness(out, expected)
    // Decoding and resizing are bit-exact and the arithmetic is transformers' own, so the
    // values agree exactly (tolerance kept at 1e-6 for a different libm/compiler).
    #expect(closeness.maxAbs <= 1e-6, "\(c.file) + \(c.config): \(closeness)")
    if closeness.maxAbs != 0 { print("pipeline \(c.file) + \(c.config): \(closeness)") }
  }

  @Test func batchEqualsSingleImagesAndIsParallelSafe() throws {
    let p = try ImagePreprocessor(configFile: ImageFixtures.url("configs/small_crop.json"))
    let names = ["jpeg_420_300x199.jpg", "png_rgb8.png", "jpeg_exif6.jpg", "png_gray16.png", "jpeg_cmyk_45x31.jpg"]
    let images = try (names + names).map { try ImageDecoder.decode(contentsOf: ImageFixtures.url($0)) }
    let batch = try p.pixelValues(images)  // [B, 3, 56, 48]
    #expect(batch.shape == [images.count, 3, 56, 48])
    let per = 3 * 56 * 48
    for (i, image) in images.enumerated() {
      #expect(Array(batch.data[(i * per)..<((i + 1) * per)]) == p(image), "image \(i)")
    }
    #expect(try p.pixelValues([]).shape == [0, 3, 56, 48])
  }

  @Test(arguments: ImageManifest.shared.configs)
  func configParsesLikeTransformers(_ c: ImageManifest.Config) throws {
    let p = try ImagePreprocessor(configFile: ImageFixtures.url(c.file))
    let hf = c.hf
    #expect(p.doResize == hf.doResize)
    switch p.size {
    case .shortestEdge(let n): #expect(hf.size == ["shortest_edge": n])
    case .exact(let h, let w): #expect(hf.size == ["height": h, "width": w])
    }
    #expect(p.resample.rawValue == hf.resample)
    #expect(p.doCenterCrop == hf.doCenterCrop)
    #expect(["height": p.cropSize.height, "width": p.cropSize.width] == hf.cropSize)
    #expect(p.doRescale == hf.doRescale)
    #expect(p.rescaleFactor == hf.rescaleFactor)
    #expect(p.doNormalize == hf.doNormalize)
    #expect(p.mean == hf.imageMean.map { Float($0) })
    #expect(p.std == hf.imageStd.map { Float($0) })
  }

  @Test func intAndDictFormsAgreeWithDefaults() throws {
    let a = try ImagePreprocessor(configFile: ImageFixtures.url("configs/clip_int.json"))
    let b = try ImagePreprocessor(configFile: ImageFixtures.url("configs/clip_dict.json"))
    let c = ImagePreprocessor()
    for p in [a, b] {
      #expect(p.size == c.size && p.size == .shortestEdge(224))
      #expect(p.cropSize == c.cropSize)
      #expect(p.mean == c.mean && p.std == c.std)
      #expect(p.rescaleFactor == c.rescaleFactor && p.resample == .bicubic)
    }
    let empty = try ImagePreprocessor(configData: Data("{}".utf8), name: "empty.json")
    #expect(empty.size == .shortestEdge(224) && empty.cropSize == (224, 224) && empty.doNormalize)
  }

  @Test func badConfigsThrowNamingTheFile() {
    let bad: [String] = [
      "not json",
      #"{"size": {"longest_edge": 224}}"#,
      #"{"size": [1, 2, 3]}"#,
      #"{"crop_size": {"height": 224}}"#,
      #"{"resample": 9}"#,
      #"{"image_mean": [0.5, 0.5]}"#,
      #"{"size": 0}"#,
      #"{"image_std": [1, 0, 1]}"#,
    ]
    for text in bad {
      do {
        _ = try ImagePreprocessor(configData: Data(text.utf8), name: "cfg.json")
        Issue.record("accepted \(text)")
      } catch let e as ImageError {
        #expect(e.kind == .invalidConfig && e.description.hasPrefix("cfg.json: "), "\(e)")
      } catch {
        Issue.record("not an ImageError: \(error)")
      }
    }
    #expect(throws: ImageError.self) { try ImagePreprocessor(configFile: ImageFixtures.url("configs/missing.json")) }
  }

  @Test func centerCropOffsetsAndPadding() {
    // 5 wide × 4 high, value = 10·row + column in every channel.
    let pixels = (0..<4).flatMap { y in (0..<5).flatMap { x in [UInt8](repeating: UInt8(10 * y + x), count: 3) } }
    let image = RGBImage(width: 5, height: 4, pixels: pixels)
    func rows(_ i: RGBImage) -> [[UInt8]] { (0..<i.height).map { y in (0..<i.width).map { x in i[x, y].r } } }
    var p = ImagePreprocessor()
    p.cropSize = (2, 2)  // top = (4-2)//2 = 1, left = (5-2)//2 = 1
    #expect(rows(p.centerCrop(image)) == [[11, 12], [21, 22]])
    p.cropSize = (3, 4)  // top = 0, left = 0
    #expect(rows(p.centerCrop(image)) == [[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]])
    p.cropSize = (7, 2)  // pad rows: image placed at ceil(3/2) = 2; crop columns from 1
    #expect(rows(p.centerCrop(image)) == [[0, 0], [0, 0], [1, 2], [11, 12], [21, 22], [31, 32], [0, 0]])
  }

  @Test func normalisationIsTransformersArithmetic() {
    // (float32(float64(v) / 255) - mean) / std in float32, per channel.
    let p = ImagePreprocessor(imageSize: 1)
    let out = p(RGBImage(width: 1, height: 1, red: 0, green: 128, blue: 255))
    #expect(out == [(Float(0) - p.mean[0]) / p.std[0],
                    (Float(128.0 * (1.0 / 255.0)) - p.mean[1]) / p.std[1],
                    (Float(1.0) - p.mean[2]) / p.std[2]])
    #expect(abs(out[0] - (-1.7922626)) < 1e-6)
  }
}
