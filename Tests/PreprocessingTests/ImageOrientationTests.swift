import Foundation
import Preprocessing
import Testing
import TestSupport

/// EXIF orientation handling (`PIL.ImageOps.exif_transpose` semantics).
@Suite struct ImageOrientationTests {
  /// 3 wide, 2 high; pixel value = 10·row + column (in all three channels).
  static let grid = RGBImage(width: 3, height: 2, pixels: [0, 1, 2, 10, 11, 12].flatMap { [$0, $0, $0] })

  static func rows(_ image: RGBImage) -> [[UInt8]] {
    (0..<image.height).map { y in (0..<image.width).map { x in image[x, y].r } }
  }

  @Test func allEightTransformsOnAKnownGrid() {
    let expected: [ExifOrientation: [[UInt8]]] = [
      .up: [[0, 1, 2], [10, 11, 12]],
      .upMirrored: [[2, 1, 0], [12, 11, 10]],              // FLIP_LEFT_RIGHT
      .down: [[12, 11, 10], [2, 1, 0]],                    // ROTATE_180
      .downMirrored: [[10, 11, 12], [0, 1, 2]],            // FLIP_TOP_BOTTOM
      .leftMirrored: [[0, 10], [1, 11], [2, 12]],          // TRANSPOSE
      .right: [[10, 0], [11, 1], [12, 2]],                 // ROTATE_270 (clockwise)
      .rightMirrored: [[12, 2], [11, 1], [10, 0]],         // TRANSVERSE
      .left: [[2, 12], [1, 11], [0, 10]],                  // ROTATE_90 (counter-clockwise)
    ]
    for o in ExifOrientation.allCases {
      #expect(Self.rows(Self.grid.applying(o)) == expected[o], "orientation \(o.rawValue)")
    }
  }

  @Test(arguments: 1...8)
  func exifOrientationInJPEG(_ orientation: Int) throws {
    // Orientations alternate byte order in the fixtures (odd: "II", even: "MM").
    let upright = try ImageDecoder.decode(contentsOf: ImageFixtures.url("jpeg_exif1.jpg"))
    let image = try ImageDecoder.decode(contentsOf: ImageFixtures.url("jpeg_exif\(orientation).jpg"))
    let o = try #require(ExifOrientation(rawValue: orientation))
    let turned = upright.applying(o)
    #expect(image.width == turned.width && image.height == turned.height && mismatches(image.pixels, turned.pixels) == nil)
    #expect(image.width == (o.swapsAxes ? upright.height : upright.width))
    let pil = try ImageFixtures.bytes("expected/jpeg_exif\(orientation).u8")
    #expect(mismatches(image.pixels, pil) == nil, "orientation \(orientation) vs Pillow")
  }

  @Test func orientationAmongOtherTagsAndInXMP() throws {
    let upright = try ImageDecoder.decode(contentsOf: ImageFixtures.url("jpeg_exif1.jpg"))
    func decoded(_ name: String) throws -> RGBImage { try ImageDecoder.decode(contentsOf: ImageFixtures.url(name)) }
    #expect(try decoded("jpeg_exif6_multitag_be.jpg") == upright.applying(.right))
    #expect(try decoded("jpeg_exif7_multitag_le.jpg") == upright.applying(.rightMirrored))
    #expect(try decoded("jpeg_xmp6.jpg") == upright.applying(.right), "XMP tiff:Orientation when EXIF has none")
    #expect(try decoded("jpeg_exif1_xmp6.jpg") == upright, "an EXIF orientation wins over XMP")
  }

  @Test func orientationInPNG() throws {
    let plain = try ImageDecoder.decode(contentsOf: ImageFixtures.url("png_exif6.png")).applying(.left)
    // .left undoes .right, so `plain` is the stored (upright) image.
    #expect(try ImageDecoder.decode(contentsOf: ImageFixtures.url("png_exif3_after_idat.png")) == plain.applying(.down))
    #expect(try ImageDecoder.decode(contentsOf: ImageFixtures.url("png_xmp8.png")) == plain.applying(.left))
  }
}
