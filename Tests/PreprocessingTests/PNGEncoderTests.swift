import Foundation
import Preprocessing
import Tensors
import Testing

/// `PNGEncoder.encode` → `ImageDecoder.decode` gives back the exact pixels, and encoding is
/// deterministic.
struct PNGEncoderTests {
  static func noise(width: Int, height: Int, seed: UInt64) -> RGBImage {
    var rng = SeededRNG(seed: seed)
    return RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
  }

  @Test(arguments: [(1, 1), (3, 5), (17, 9), (64, 64), (101, 33)])
  func roundTripIsExact(size: (Int, Int)) throws {
    let image = Self.noise(width: size.0, height: size.1, seed: UInt64(size.0 * 1000 + size.1))
    let png = try PNGEncoder.encode(image)
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let decoded = try ImageDecoder.decode(data: png, name: "round-trip.png")
    #expect(decoded == image)
  }

  @Test func flatAndGradientImagesRoundTrip() throws {
    let flat = RGBImage(width: 40, height: 7, red: 10, green: 200, blue: 30)
    #expect(try ImageDecoder.decode(data: try PNGEncoder.encode(flat), name: "flat.png") == flat)
    let w = 256, h = 3
    var pixels: [UInt8] = []
    for i in 0..<(w * h) {
      let x = i % w, y = i / w
      pixels += [UInt8(x), UInt8(255 - x), UInt8(y * 100)]
    }
    let ramp = RGBImage(width: w, height: h, pixels: pixels)
    #expect(try ImageDecoder.decode(data: try PNGEncoder.encode(ramp), name: "ramp.png") == ramp)
  }

  @Test func encodingIsDeterministic() throws {
    let image = Self.noise(width: 31, height: 12, seed: 7)
    #expect(try PNGEncoder.encode(image) == PNGEncoder.encode(image))
  }

  @Test func emptyImageIsAnError() {
    #expect(throws: PNGEncodingError.self) { try PNGEncoder.encode(RGBImage(width: 0, height: 4, pixels: [])) }
  }
}
