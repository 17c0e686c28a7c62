import Foundation
import Preprocessing
import Tensors
import Testing
import TestSupport

/// `RandomResizedCrop`: torchvision's `get_params` algorithm and its Pillow crop + resize.
@Suite struct AugmentCropTests {
  /// Whether a box could come from an attempt with area in `scale` and aspect ratio in `ratio`:
  /// w = round(sqrt(A·r)) and h = round(sqrt(A/r)) put sqrt(A·r) in [w ± ½] and sqrt(A/r) in
  /// [h ± ½], so A lies in [(w-½)(h-½), (w+½)(h+½)] and r in [(w-½)/(h+½), (w+½)/(h-½)].
  static func consistent(_ b: CropBox, imageArea: Double, scale: ClosedRange<Double>, ratio: ClosedRange<Double>) -> Bool {
    let w = Double(b.width), h = Double(b.height)
    let areaLow = (w - 0.5) * (h - 0.5), areaHigh = (w + 0.5) * (h + 0.5)
    let ratioLow = (w - 0.5) / (h + 0.5), ratioHigh = (w + 0.5) / max(h - 0.5, 1e-9)
    let areaOK = areaHigh >= scale.lowerBound * imageArea && areaLow <= scale.upperBound * imageArea
    let ratioOK = ratioHigh >= ratio.lowerBound && ratioLow <= ratio.upperBound
    return areaOK && ratioOK
  }

  @Test(arguments: [(640, 427), (427, 640), (37, 53), (224, 224), (3, 2), (1, 1), (1000, 999)])
  func boxesStayInsideAndWithinBounds(size: (Int, Int)) {
    let (width, height) = size
    let crop = RandomResizedCrop(size: 32)
    var rng = SeededRNG(seed: UInt64(width * 7919 + height))
    let fallback = RandomResizedCrop.fallback(width: width, height: height, ratio: crop.ratio)
    for _ in 0..<5000 {
      let b = crop.parameters(width: width, height: height, rng: &rng)
      #expect(b.fits(width: width, height: height), "\(b) outside \(width)×\(height)")
      if b != fallback {
        #expect(Self.consistent(b, imageArea: Double(width * height), scale: crop.scale, ratio: crop.ratio),
                "\(b) not from scale \(crop.scale) / ratio \(crop.ratio) on \(width)×\(height)")
      }
    }
  }

  /// A narrow, asymmetric range catches swapped width/height and wrong area arithmetic.
  @Test func narrowAsymmetricRangesAreRespected() {
    let scale = 0.3...0.35, ratio = 1.6...2.4
    var rng = SeededRNG(seed: 5)
    var logRatioSum = 0.0, areaSum = 0.0
    let n = 20_000
    for _ in 0..<n {
      let b = RandomResizedCrop.parameters(width: 2000, height: 1500, scale: scale, ratio: ratio, rng: &rng)
      #expect(b.fits(width: 2000, height: 1500))
      #expect(Self.consistent(b, imageArea: 3_000_000, scale: scale, ratio: ratio), "\(b)")
      #expect(b.width > b.height, "ratio ≥ 1.6 means wider than tall: \(b)")
      logRatioSum += log(Double(b.width) / Double(b.height))
      areaSum += Double(b.area) / 3_000_000
    }
    // Every attempt fits here, so the draws are exactly log-uniform ratio and uniform area.
    #expect(abs(logRatioSum / Double(n) - (log(1.6) + log(2.4)) / 2) < 0.005)
    #expect(abs(areaSum / Double(n) - 0.325) < 0.002)
  }

  /// torchvision draws the offset uniformly over every placement that fits.
  @Test func offsetsAreUniformOverPlacements() {
    var rng = SeededRNG(seed: 11)
    var topFraction = 0.0, leftFraction = 0.0, extremes = Set<String>()
    let n = 20_000
    for _ in 0..<n {
      let b = RandomResizedCrop.parameters(width: 100, height: 80, scale: 0.2...0.3, ratio: 0.9...1.1, rng: &rng)
      topFraction += Double(b.top) / Double(80 - b.height)
      leftFraction += Double(b.left) / Double(100 - b.width)
      if b.top == 0 { extremes.insert("top0") }
      if b.top + b.height == 80 { extremes.insert("bottom") }
      if b.left == 0 { extremes.insert("left0") }
      if b.left + b.width == 100 { extremes.insert("right") }
    }
    #expect(abs(topFraction / Double(n) - 0.5) < 0.01)
    #expect(abs(leftFraction / Double(n) - 0.5) < 0.01)
    #expect(extremes == ["top0", "bottom", "left0", "right"])
  }

  /// Expected boxes from torchvision 0.29 `RandomResizedCrop.get_params` on images where no
  /// attempt can fit (so the result does not depend on the random stream), including Python's
  /// round-half-to-even (12.5 → 12).
  @Test(arguments: [
    (1000, 10, 0.08...1.0, 0.75...(4.0 / 3.0), CropBox(top: 0, left: 493, height: 10, width: 13)),
    (10, 1000, 0.08...1.0, 0.75...(4.0 / 3.0), CropBox(top: 493, left: 0, height: 13, width: 10)),
    (1000, 10, 0.08...1.0, 0.8...1.25, CropBox(top: 0, left: 494, height: 10, width: 12)),
    (10, 1000, 0.08...1.0, 0.8...1.25, CropBox(top: 494, left: 0, height: 12, width: 10)),
    (100, 100, 1.5...2.0, 0.75...(4.0 / 3.0), CropBox(top: 0, left: 0, height: 100, width: 100)),
    (101, 7, 1.5...2.0, 0.75...(4.0 / 3.0), CropBox(top: 0, left: 46, height: 7, width: 9)),
  ])
  func fallbackMatchesTorchvision(width: Int, height: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>, expected: CropBox) {
    #expect(RandomResizedCrop.fallback(width: width, height: height, ratio: ratio) == expected)
    var rng = SeededRNG(seed: 99)
    let drawn = Set((0..<200).map { _ in
      RandomResizedCrop.parameters(width: width, height: height, scale: scale, ratio: ratio, rng: &rng)
    })
    #expect(drawn == [expected])
  }

  @Test func sameSeedSameBoxesDifferentSeedDifferentBoxes() {
    let crop = RandomResizedCrop(size: 224)
    func boxes(_ seed: UInt64) -> [CropBox] {
      var rng = SeededRNG(seed: seed)
      return (0..<50).map { _ in crop.parameters(width: 640, height: 427, rng: &rng) }
    }
    #expect(boxes(1) == boxes(1))
    #expect(boxes(1) != boxes(2))
  }

  /// FNV-1a 64 of the `[S, S, 3]` bytes of torchvision 0.29 / Pillow 13
  /// `F.resized_crop(Image.open(f).convert("RGB"), i, j, h, w, [S, S], InterpolationMode.BICUBIC)`
  /// and of its `F.hflip`.
  @Test(arguments: [
    ("jpeg_640x427.jpg", CropBox(top: 37, left: 101, height: 300, width: 411), 224, 0xd029_e243_f93b_3173 as UInt64, 0x787b_2754_67e8_a497 as UInt64),
    ("jpeg_640x427.jpg", CropBox(top: 0, left: 0, height: 427, width: 640), 224, 0xfedd_659d_52bd_7f65, 0x496b_8787_2ed9_b87d),
    ("jpeg_500x375.jpg", CropBox(top: 120, left: 3, height: 97, width: 131), 224, 0x56f5_c789_7aa7_bc6a, 0xde1c_7803_da3a_fe10),
    ("png_tall_60x150.png", CropBox(top: 10, left: 5, height: 140, width: 50), 32, 0x58b2_5600_fd26_503b, 0x344a_eef6_1cd5_6ed3),
    ("jpeg_444_37x53.jpg", CropBox(top: 2, left: 1, height: 50, width: 30), 64, 0x6572_d7b4_e743_6c83, 0xe0ed_cd6e_1465_b3e7),
  ])
  func cropResizeMatchesTorchvisionPillow(file: String, box: CropBox, size: Int, expected: UInt64, expectedFlipped: UInt64) throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url("images/" + file))
    let out = RandomResizedCrop(size: size).apply(to: image, box: box)
    #expect(out.width == size && out.height == size)
    #expect(fnv1a(out.pixels) == expected)
    #expect(fnv1a(out.flippedHorizontally().pixels) == expectedFlipped)
  }

  /// The resize sees only the cropped pixels: equal to cropping by hand, then resizing.
  @Test func applyIsCropThenResize() throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url("images/jpeg_500x375.jpg"))
    let box = CropBox(top: 50, left: 70, height: 200, width: 150)
    var bytes: [UInt8] = []
    for y in box.top..<(box.top + box.height) {
      let s = (y * image.width + box.left) * 3
      bytes += image.pixels[s..<(s + box.width * 3)]
    }
    let manual = RGBImage(width: box.width, height: box.height, pixels: bytes).resized(width: 48, height: 48, filter: .bicubic)
    let crop = RandomResizedCrop(size: 48)
    #expect(crop.apply(to: image, box: box) == manual)
    // Resizing the whole image and cutting the window out would mix in neighbouring pixels.
    #expect(crop.apply(to: image, box: box) != crop.apply(to: image, box: CropBox(top: 0, left: 0, height: 375, width: 500)))
  }

  @Test func randomCropOutputHasTheRequestedSize() throws {
    let image = try ImageDecoder.decode(contentsOf: Fixtures.url("images/jpeg_422_123x77.jpg"))
    let crop = RandomResizedCrop(height: 24, width: 40)
    var rng = SeededRNG(seed: 3)
    for _ in 0..<20 {
      let out = crop(image, rng: &rng)
      #expect(out.width == 40 && out.height == 24 && out.pixels.count == 24 * 40 * 3)
    }
  }
}

/// FNV-1a, 64-bit.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
  return h
}
