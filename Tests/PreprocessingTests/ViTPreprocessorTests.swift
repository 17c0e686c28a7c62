import Foundation
import Preprocessing
import Tensors
import Testing
import TestSupport

/// ViT preprocessing vs transformers' PIL-backend `ViTImageProcessorPil` on PNGs of odd sizes
/// and aspect ratios (Scripts/fixtures/make_vit_fixtures.py, Tests/Fixtures/vit/preprocessing/).
@Suite struct ViTPreprocessorTests {
  struct Manifest: Decodable {
    struct Config: Decodable {
      struct HF: Decodable {
        var do_resize: Bool
        var size: [String: Int]
        var resample: Int
        var do_center_crop: Bool
        var do_rescale: Bool
        var rescale_factor: Double
        var do_normalize: Bool
        var image_mean: [Double]
        var image_std: [Double]
      }
      var file: String
      var hf: HF
    }
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
      var file: String
      var config: String
      var expected: String
      var kind: String
      var shape: [Int]
      var testDescription: String { "\(file) + \(config)" }
    }
    var configs: [Config]
    var cases: [Case]

    static func url(_ relative: String) -> URL { Fixtures.url("vit/preprocessing/" + relative) }
    static let shared: Manifest = try! JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url("manifest.json")))
  }

  /// transformers' pixel values for one case: the stored float32 [3, H, W], or for 224×224 outputs
  /// the stored 8-bit resized image (HWC) rescaled and normalised as transformers does
  /// (float32(float64(v) / 255), then (x - 0.5) / 0.5 in float32; the fixture script checks this
  /// reproduces transformers' values bit for bit).
  static func expected(_ c: Manifest.Case) throws -> [Float] {
    let data = try Data(contentsOf: Manifest.url(c.expected))
    if c.kind == "f32" {
      return data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
    }
    let (h, w) = (c.shape[1], c.shape[2]), bytes = [UInt8](data)
    var out = [Float](repeating: 0, count: 3 * h * w)
    for ch in 0..<3 {
      for i in 0..<(h * w) {
        let x = Float(Double(bytes[3 * i + ch]) * (1.0 / 255.0))
        out[ch * h * w + i] = (x - Float(0.5)) / Float(0.5)
      }
    }
    return out
  }

  @Test(arguments: Manifest.shared.cases)
  func pipelineMatchesTransformers(_ c: Manifest.Case) throws {
    let processor = try ImagePreprocessor(configFile: Manifest.url(c.config))
    let image = try ImageDecoder.decode(contentsOf: Manifest.url(c.file))
    #expect(processor.outputShape(height: image.height, width: image.width) == c.shape)
    let out = processor(image)
    let expected = try Self.expected(c)
    try #require(out.count == expected.count, "\(c.file): \(out.count) values, expected \(c.shape)")
    let closeness = Closeness(out, expected)
    // Decoding and Pillow's bilinear resize are bit-exact and the arithmetic is transformers'
    // own, so the values agree exactly (1e-6 as in the CLIP pipeline tests).
    #expect(closeness.maxAbs <= 1e-6, "\(c.file) + \(c.config): \(closeness)")
    if closeness.maxAbs != 0 { print("ViT pipeline \(c.file) + \(c.config): \(closeness)") }
  }

  @Test(arguments: Manifest.shared.configs.map(\.file))
  func configParsesLikeTransformers(_ file: String) throws {
    let hf = Manifest.shared.configs.first { $0.file == file }!.hf
    let p = try ImagePreprocessor(configFile: Manifest.url(file))
    #expect(p.doResize == hf.do_resize)
    switch p.size {
    case .shortestEdge(let n): #expect(hf.size == ["shortest_edge": n])
    case .exact(let h, let w): #expect(hf.size == ["height": h, "width": w])
    }
    #expect(p.resample.rawValue == hf.resample && p.resample == .bilinear)
    #expect(p.doCenterCrop == hf.do_center_crop && !p.doCenterCrop)
    #expect(p.doRescale == hf.do_rescale && p.rescaleFactor == hf.rescale_factor)
    #expect(p.doNormalize == hf.do_normalize)
    #expect(p.mean == hf.image_mean.map { Float($0) } && p.std == hf.image_std.map { Float($0) })
  }

  @Test func vitFactoryIsTheDefaults() throws {
    let v = ImagePreprocessor.vit()
    #expect(v.size == .exact(height: 224, width: 224) && v.resample == .bilinear && !v.doCenterCrop)
    #expect(v.mean == [0.5, 0.5, 0.5] && v.std == [0.5, 0.5, 0.5] && v.rescaleFactor == 1.0 / 255.0)
    #expect(v.fixedOutputSize! == (224, 224))
    #expect(v.outputShape(height: 45, width: 61) == [3, 224, 224])
    for json in [#"{"image_processor_type": "ViTImageProcessor"}"#, #"{"feature_extractor_type": "ViTFeatureExtractor"}"#,
                 #"{"image_processor_type": "ViTImageProcessorFast"}"#] {
      let p = try ImagePreprocessor(configData: Data(json.utf8), name: "preprocessor_config.json")
      #expect(p.size == v.size && p.resample == v.resample && p.doCenterCrop == v.doCenterCrop, "\(json)")
      #expect(p.mean == v.mean && p.std == v.std, "\(json)")
    }
    #expect(ImagePreprocessor.vit(imageSize: 384).size == .exact(height: 384, width: 384))
    // Without a ViT type, the same int size still means CLIP's shortest edge and center crop.
    let clip = try ImagePreprocessor(configData: Data(#"{"size": 48}"#.utf8), name: "p.json")
    #expect(clip.size == .shortestEdge(48) && clip.doCenterCrop && clip.resample == .bicubic)
  }

  /// As in transformers: a ViT config crops only when it asks to, and then needs a crop size.
  @Test func vitCenterCropOnlyWhenAsked() throws {
    let crop = try ImagePreprocessor(configData: Data(#"{"image_processor_type": "ViTImageProcessor", "size": 32, "do_center_crop": true, "crop_size": 20}"#.utf8), name: "p.json")
    #expect(crop.doCenterCrop && crop.outputShape(height: 45, width: 61) == [3, 20, 20])
    let cropSizeOnly = try ImagePreprocessor(configData: Data(#"{"image_processor_type": "ViTImageProcessor", "crop_size": 20}"#.utf8), name: "p.json")
    #expect(!cropSizeOnly.doCenterCrop && cropSizeOnly.outputShape(height: 45, width: 61) == [3, 224, 224])
    do {
      _ = try ImagePreprocessor(configData: Data(#"{"image_processor_type": "ViTImageProcessor", "do_center_crop": true}"#.utf8),
                                name: "/models/vit/preprocessor_config.json")
      Issue.record("accepted a center crop without crop_size")
    } catch let e as ImageError {
      #expect("\(e)".contains("/models/vit/preprocessor_config.json") && "\(e)".contains("crop_size"), "\(e)")
    }
  }
}
