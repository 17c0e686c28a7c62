import Foundation
import Preprocessing
import Testing
import TestSupport

/// Decoding vs Pillow (`ImageOps.exif_transpose(Image.open(f)).convert("RGB")`).
@Suite struct ImageDecodeTests {
  /// PNG must be bit-exact. JPEG goes through the system libjpeg-turbo (2.1.x on Debian 12)
  /// while Pillow's wheel bundles its own (3.x); with ISLOW + fancy upsampling both give the same
  /// pixels, so JPEG is held to exactness too.
  static let jpegTolerance = 0

  @Test func manifestIsPresent() {
    let m = ImageManifest.shared
    #expect(m.decode.count >= 40, "manifest.json missing or incomplete: run Scripts/fixtures/make_image_fixtures.py")
    #expect(m.resize.count >= 10)
    #expect(m.pipeline.count >= 8)
    #expect(m.configs.count >= 9)
    #expect(m.errors.count >= 9)
  }

  @Test(arguments: ImageManifest.shared.decode)
  func decodeMatchesPillow(_ c: ImageManifest.Decode) throws {
    let image = try ImageDecoder.decode(contentsOf: ImageFixtures.url(c.file))
    let expected = try ImageFixtures.bytes(c.expected)
    #expect([image.height, image.width, 3] == c.shape, "\(c.file): size")
    let diff = maxByteDifference(image.pixels, expected)
    if c.file.hasSuffix(".png") {
      #expect(diff == 0, "\(c.file) (\(c.pilMode), \(c.note)): \(differingBytes(image.pixels, expected)) bytes differ, max |Δ| \(diff)")
    } else {
      #expect(diff <= Self.jpegTolerance, "\(c.file) (\(c.pilMode), \(c.note)): max |Δ| \(diff), \(differingBytes(image.pixels, expected)) bytes differ")
    }
  }

  @Test func decodeFromDataMatchesDecodeFromFile() throws {
    let url = ImageFixtures.url("jpeg_exif6.jpg")
    let fromFile = try ImageDecoder.decode(contentsOf: url)
    let fromData = try ImageDecoder.decode(data: Data(contentsOf: url), name: "memory.jpg")
    #expect(fromFile == fromData)
  }

  @Test func sixteenBitGreyClampsLikePillow() throws {
    // Pillow's I;16 → RGB conversion clamps (v > 255 → 255) instead of taking the high byte.
    // The fixture's first quarter holds values 0…299, the rest spans 0…65535.
    let image = try ImageDecoder.decode(contentsOf: ImageFixtures.url("png_gray16.png"))
    let values = Set(image.pixels)
    #expect(values.contains(255))
    let quarter = image.pixels[0..<(image.width * (image.height / 4) * 3)]
    #expect(quarter.contains { $0 > 0 && $0 < 255 }, "small 16-bit values pass through unchanged")
    let rest = image.pixels[(image.width * (image.height / 4) * 3)...]
    #expect(rest.filter { $0 == 255 }.count > rest.count / 2, "large 16-bit values clamp to 255")
  }

  @Test func rgbaDropsAlphaInsteadOfCompositing() throws {
    let rgba = try ImageDecoder.decode(contentsOf: ImageFixtures.url("png_rgba8.png"))
    let rgb = try ImageDecoder.decode(contentsOf: ImageFixtures.url("png_rgb8.png"))
    #expect(rgba == rgb, "same colour samples, alpha ignored")  // the fixtures share their RGB
  }
}
