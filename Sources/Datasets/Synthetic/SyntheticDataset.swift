import Foundation
import Preprocessing
import Tensors

/// What `SyntheticDataset.write` makes.
public struct SyntheticDatasetOptions: Sendable, Equatable {
  /// Number of images (at least `SyntheticDataset.minimumImages`).
  public var imageCount: Int
  /// Seeds every scene; the same options give byte-identical files.
  public var seed: UInt64
  public var domain: SyntheticDomain
  /// Side of the square images in pixels (at least `SyntheticDataset.minimumImageSize`).
  public var imageSize: Int

  public init(imageCount: Int = 600, seed: UInt64 = 0, domain: SyntheticDomain = .base, imageSize: Int = 224) {
    self.imageCount = imageCount
    self.seed = seed
    self.domain = domain
    self.imageSize = imageSize
  }
}

/// How many images each split got.
public struct SyntheticSplitCounts: Sendable, Equatable {
  public var train: Int, val: Int, test: Int

  public init(train: Int, val: Int, test: Int) {
    self.train = train
    self.val = val
    self.test = test
  }
}

/// A deterministic captioned-shapes dataset in the Karpathy layout, for trying adaptation
/// end to end without downloads: `images/00000.png …` and `dataset.json`
/// (`images[].filename`, `.filepath`, `.split`, `.sentences[].raw`), five captions per image,
/// splits train/val/test in 80/10/10 proportion (val and test get ⌊N/10⌋ each).
///
/// Image `i` depends only on the seed, the domain, the image size and `i`, not on the count.
public enum SyntheticDataset {
  public static let minimumImages = 10
  public static let minimumImageSize = 32
  /// Captions per image.
  public static let captionsPerImage = 5
  /// The `synthetic.generator` value that marks a folder as ours (so it may be overwritten).
  public static let generatorName = "cliptune synth"

  /// The split sizes for `imageCount` images: val and test ⌊N/10⌋ each, the rest train.
  public static func splitCounts(imageCount: Int) -> SyntheticSplitCounts {
    let tenth = imageCount / 10
    return SyntheticSplitCounts(train: imageCount - 2 * tenth, val: tenth, test: tenth)
  }

  /// The scene and captions of image `index`.
  public static func sample(index: Int, options: SyntheticDatasetOptions) -> (scene: SyntheticScene, captions: [String]) {
    var rng = SeededRNG(seed: options.seed &* 0x0100_0000_01B3 ^ options.domain.seedSalt
                          &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
    let scene = SceneSampler.sample(options.domain, rng: &rng)
    return (scene, SyntheticCaptions.captions(for: scene, count: captionsPerImage, rng: &rng))
  }

  /// The pixels of image `index`.
  public static func render(index: Int, options: SyntheticDatasetOptions) -> RGBImage {
    SyntheticRasterizer.render(sample(index: index, options: options).scene, size: options.imageSize)
  }

  /// The file name of image `index` (`00042.png`; more digits past 99 999).
  public static func fileName(index: Int) -> String {
    let digits = String(index)
    return String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".png"
  }

  /// Most images and largest side `write` accepts (bounds that keep counts and buffers sane).
  public static let maximumImages = 1_000_000
  public static let maximumImageSize = 4096

  /// Writes the dataset into `directory` (created if missing). The folder must be new, empty, or
  /// an earlier output of this generator (which is replaced: its `dataset.json` goes first, stale
  /// images are removed, and the new `dataset.json` is written last, atomically).
  /// `progress` is called with the number of images written so far.
  /// Throws `DatasetError` naming the folder or file for bad options or unwritable paths.
  @discardableResult
  public static func write(to directory: URL, options: SyntheticDatasetOptions,
                           progress: (@Sendable (Int) -> Void)? = nil) throws -> SyntheticSplitCounts {
    let path = directory.path
    guard options.imageCount >= minimumImages else {
      throw DatasetError(file: path, message: "need at least \(minimumImages) images, got \(options.imageCount)")
    }
    guard options.imageCount <= maximumImages else {
      throw DatasetError(file: path, message: "at most \(maximumImages) images, got \(options.imageCount)")
    }
    guard (minimumImageSize...maximumImageSize).contains(options.imageSize) else {
      throw DatasetError(file: path, message: "image size must be \(minimumImageSize) to \(maximumImageSize) pixels, got \(options.imageSize)")
    }
    try SyntheticOutputFolder.prepare(directory)
    let imagesDir = directory.appendingPathComponent("images")

    let samples = (0..<options.imageCount).map { sample(index: $0, options: options) }
    try SyntheticImageWriter.write(count: options.imageCount, size: options.imageSize, scene: { samples[$0].scene },
                                   file: { imagesDir.appendingPathComponent(fileName(index: $0)) }, progress: progress)
    try SyntheticOutputFolder.removeStaleImages(in: imagesDir, keeping: options.imageCount)

    let counts = splitCounts(imageCount: options.imageCount)
    let json = try SyntheticDatasetJSON.encode(captions: samples.map(\.captions), counts: counts, options: options)
    let file = directory.appendingPathComponent("dataset.json")
    do {
      try json.write(to: file, options: .atomic)  // temporary file + rename
    } catch {
      throw DatasetError(file: file.path, message: "cannot write: \(error.localizedDescription)")
    }
    return counts
  }
}
