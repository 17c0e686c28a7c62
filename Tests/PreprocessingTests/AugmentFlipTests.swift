import Preprocessing
import Tensors
import Testing

/// `RandomHorizontalFlip` and `RGBImage.flippedHorizontally()`.
@Suite struct AugmentFlipTests {
  static func sample(width: Int, height: Int) -> RGBImage {
    RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
  }

  @Test(arguments: [(1, 1), (2, 3), (7, 5), (64, 1), (1, 9)])
  func flipMirrorsColumnsExactly(size: (Int, Int)) {
    let image = Self.sample(width: size.0, height: size.1)
    let flipped = image.flippedHorizontally()
    #expect(flipped.width == image.width && flipped.height == image.height)
    for y in 0..<image.height {
      for x in 0..<image.width {
        #expect(flipped[x, y] == image[image.width - 1 - x, y])
      }
    }
    #expect(flipped.flippedHorizontally() == image)
  }

  @Test func probabilityZeroAndOneAreDeterministic() {
    let image = Self.sample(width: 5, height: 4)
    var rng = SeededRNG(seed: 1)
    for _ in 0..<100 {
      #expect(RandomHorizontalFlip(p: 0)(image, rng: &rng) == image)
      #expect(RandomHorizontalFlip(p: 1)(image, rng: &rng) == image.flippedHorizontally())
    }
  }

  @Test func halfTheImagesFlipAtTheDefault() {
    var rng = SeededRNG(seed: 2)
    let flip = RandomHorizontalFlip()
    #expect(flip.probability == 0.5)
    let n = 20_000
    let flips = (0..<n).filter { _ in flip.shouldFlip(rng: &rng) }.count
    #expect(abs(Double(flips) / Double(n) - 0.5) < 0.02)
  }

  @Test func sameSeedSameDecisions() {
    func decisions(_ seed: UInt64) -> [Bool] {
      var rng = SeededRNG(seed: seed)
      return (0..<64).map { _ in RandomHorizontalFlip().shouldFlip(rng: &rng) }
    }
    #expect(decisions(7) == decisions(7))
    #expect(decisions(7) != decisions(8))
  }
}
