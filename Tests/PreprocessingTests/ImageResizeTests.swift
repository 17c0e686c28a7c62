import Foundation
import Preprocessing
import Testing
import TestSupport

/// Resizing vs Pillow's `Image.resize((w, h), filter, reducing_gap=None)`: bit-exact.
@Suite struct ImageResizeTests {
  static func source(_ c: ImageManifest.Resize) throws -> RGBImage {
    RGBImage(width: c.sourceShape[1], height: c.sourceShape[0], pixels: try ImageFixtures.bytes(c.source))
  }

  @Test(arguments: ImageManifest.shared.resize)
  func resizeIsBitExact(_ c: ImageManifest.Resize) throws {
    let filter = try #require(ResampleFilter(rawValue: c.filter))
    let out = try Self.source(c).resized(width: c.width, height: c.height, filter: filter)
    let expected = try ImageFixtures.bytes(c.expected)
    #expect(out.width == c.width && out.height == c.height)
    #expect(mismatches(out.pixels, expected) == nil,
            "\(c.note): \(differingBytes(out.pixels, expected)) bytes differ, max |Δ| \(maxByteDifference(out.pixels, expected))")
  }

  @Test func sameSizeIsIdentity() throws {
    let image = try ImageDecoder.decode(contentsOf: ImageFixtures.url("png_rgb8.png"))
    #expect(image.resized(width: image.width, height: image.height) == image)
  }

  @Test func resizeShortestEdgeUsesTransformersSizes() throws {
    let p = ImagePreprocessor(imageSize: 224)
    // int(224 * long / short), the short side always 224.
    #expect(p.resizedSize(height: 375, width: 500) == (224, 298))
    #expect(p.resizedSize(height: 500, width: 375) == (298, 224))
    #expect(p.resizedSize(height: 199, width: 300) == (224, 337))
    #expect(p.resizedSize(height: 53, width: 37) == (320, 224))
    #expect(p.resizedSize(height: 100, width: 100) == (224, 224))
    let image = RGBImage(width: 500, height: 375, red: 10, green: 200, blue: 30)
    let out = p.resizeShortestEdge(image)
    #expect(out.width == 298 && out.height == 224)
    #expect(out == RGBImage(width: 298, height: 224, red: 10, green: 200, blue: 30), "a flat image stays flat")
  }

  @Test func windowedPipelineResizeEqualsResizeThenCrop() throws {
    // callAsFunction computes only the cropped window of the resize; it must equal the two steps.
    let image = try ImageDecoder.decode(contentsOf: ImageFixtures.url("jpeg_420_300x199.jpg"))
    for size in [16, 64, 150, 224] {
      var p = ImagePreprocessor(imageSize: size)
      p.cropSize = (size - 3, size / 2 + 1)
      #expect(p.resizedAndCropped(image) == p.centerCrop(p.resizeShortestEdge(image)), "size \(size)")
      p.cropSize = (size + 5, size + 7)  // padding path
      #expect(p.resizedAndCropped(image) == p.centerCrop(p.resizeShortestEdge(image)), "size \(size), padded")
    }
  }
}
