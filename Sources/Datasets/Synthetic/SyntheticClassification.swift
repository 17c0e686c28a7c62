import Foundation
import Preprocessing
import Tensors

/// What `SyntheticClassification.write` makes.
public struct SyntheticClassificationOptions: Sendable, Equatable {
  /// Number of images over all splits (at least `SyntheticDataset.minimumImages`).
  public var imageCount: Int
  /// Seeds every scene; the same options give byte-identical files.
  public var seed: UInt64
  public var domain: SyntheticDomain
  /// What the classes differ in.
  public var factor: SyntheticFactor
  /// Side of the square images in pixels (at least `SyntheticDataset.minimumImageSize`).
  public var imageSize: Int

  public init(imageCount: Int = 600, seed: UInt64 = 0, domain: SyntheticDomain = .base, factor: SyntheticFactor = .shape,
              imageSize: Int = 224) {
    self.imageCount = imageCount
    self.seed = seed
    self.domain = domain
    self.factor = factor
    self.imageSize = imageSize
  }
}

/// A deterministic VTAB-like classification task drawn with the captioned-shapes renderer, in the
/// ImageFolder split layout that `ClassificationDataset.load` reads:
///
///     DIR/train/<class>/00000.png …, DIR/val/<class>/…, DIR/test/<class>/…
///     DIR/classes.txt     class names, one per line, in label order
///     DIR/synthetic.json  {"synthetic": {"generator": "cliptune synth", "task": "classification", options…}}
///
/// Image `i` (file `NNNNN.png`, numbered over the whole task) has class `i mod C` (classes in
/// label order, `SyntheticFactor.classNames(in:)`) and depends only on the seed, domain, factor,
/// image size and `i`. Splits are consecutive: the first `train` indices, then `val`, then `test`
/// (80/10/10 as `SyntheticDataset.splitCounts`: val and test ⌊N/10⌋ each), so every split holds
/// ⌊n/C⌋ or ⌈n/C⌉ images of each class (n: the split's size).
public enum SyntheticClassification {
  /// The `synthetic.task` value in `synthetic.json`.
  public static let taskName = "classification"
  /// Names of the marker and class-name files.
  public static let markerFile = "synthetic.json", classesFile = "classes.txt"

  /// The class names of `options` in label order.
  public static func classNames(_ options: SyntheticClassificationOptions) -> [String] {
    options.factor.classNames(in: options.domain)
  }

  /// The label of image `index`.
  public static func label(index: Int, options: SyntheticClassificationOptions) -> Int {
    index % classNames(options).count
  }

  /// The scene of image `index`.
  public static func scene(index: Int, options: SyntheticClassificationOptions) -> SyntheticScene {
    var h = SeedMixer.mix(options.seed ^ 0x434C_4153_5346_5931)  // "CLASSFY1"
    h = SeedMixer.mix(h ^ options.domain.seedSalt)
    h = SeedMixer.mix(h ^ options.factor.seedSalt)
    h = SeedMixer.mix(h ^ UInt64(index))
    var rng = SeededRNG(seed: h)
    let names = classNames(options)
    return SceneSampler.sample(options.domain, factor: options.factor, className: names[index % names.count], rng: &rng)
  }

  /// The pixels of image `index`.
  public static func render(index: Int, options: SyntheticClassificationOptions) -> RGBImage {
    SyntheticRasterizer.render(scene(index: index, options: options), size: options.imageSize)
  }

  /// The path of image `index` below the output folder (`train/top_left/00003.png`).
  public static func relativePath(index: Int, options: SyntheticClassificationOptions) -> String {
    let counts = SyntheticDataset.splitCounts(imageCount: options.imageCount)
    let split = index < counts.train ? "train" : index < counts.train + counts.val ? "val" : "test"
    let name = classNames(options)[index % classNames(options).count]
    return "\(split)/\(SyntheticFactor.folder(name))/\(SyntheticDataset.fileName(index: index))"
  }

  /// Writes the task into `directory` (created if missing). The folder must be new, empty, or an
  /// earlier classification output of this generator, which is replaced: its `synthetic.json` is
  /// first rewritten as unfinished, its split folders and `classes.txt` are removed, and the new
  /// `synthetic.json` is written last, atomically. A retrieval output or any other content is
  /// refused. `progress` is called with the number of images written so far.
  /// Throws `DatasetError` naming the folder or file for bad options or unwritable paths.
  @discardableResult
  public static func write(to directory: URL, options: SyntheticClassificationOptions,
                           progress: (@Sendable (Int) -> Void)? = nil) throws -> SyntheticSplitCounts {
    let path = directory.path
    guard options.imageCount >= SyntheticDataset.minimumImages else {
      throw DatasetError(file: path, message: "need at least \(SyntheticDataset.minimumImages) images, got \(options.imageCount)")
    }
    guard options.imageCount <= SyntheticDataset.maximumImages else {
      throw DatasetError(file: path, message: "at most \(SyntheticDataset.maximumImages) images, got \(options.imageCount)")
    }
    let sizes = SyntheticDataset.minimumImageSize...SyntheticDataset.maximumImageSize
    guard sizes.contains(options.imageSize) else {
      throw DatasetError(file: path, message: "image size must be \(sizes.lowerBound) to \(sizes.upperBound) pixels, got \(options.imageSize)")
    }
    let names = classNames(options), counts = SyntheticDataset.splitCounts(imageCount: options.imageCount)
    guard counts.train >= names.count else {
      throw DatasetError(file: path, message: "\(options.imageCount) images leave \(counts.train) for training, fewer than the \(names.count) classes")
    }

    try SyntheticOutputFolder.prepareClassification(directory, unfinished: marker(options, counts: counts, finished: false))
    for split in ["train", "val", "test"] {
      for name in names {
        let folder = directory.appendingPathComponent(split).appendingPathComponent(SyntheticFactor.folder(name))
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
          throw DatasetError(file: folder.path, message: "cannot create: \(error.localizedDescription)")
        }
      }
    }
    try SyntheticImageWriter.write(count: options.imageCount, size: options.imageSize,
                                   scene: { scene(index: $0, options: options) },
                                   file: { directory.appendingPathComponent(relativePath(index: $0, options: options)) },
                                   progress: progress)
    try atomicWrite(Data(names.map { $0 + "\n" }.joined().utf8), to: directory.appendingPathComponent(classesFile))
    try atomicWrite(marker(options, counts: counts, finished: true), to: directory.appendingPathComponent(markerFile))
    return counts
  }

  /// The bytes of `synthetic.json` (sorted keys, no dates: equal options give equal bytes).
  static func marker(_ options: SyntheticClassificationOptions, counts: SyntheticSplitCounts, finished: Bool) throws -> Data {
    // Field names as written in the file.
    struct Meta: Encodable {
      let generator: String, task: String, factor: String, domain: String, seed: UInt64, images: Int, image_size: Int
      let train: Int, val: Int, test: Int, classes: [String], finished: Bool
    }
    struct File: Encodable { let synthetic: Meta }
    let meta = Meta(generator: SyntheticDataset.generatorName, task: taskName, factor: options.factor.rawValue,
                    domain: options.domain.rawValue, seed: options.seed, images: options.imageCount, image_size: options.imageSize,
                    train: counts.train, val: counts.val, test: counts.test, classes: classNames(options), finished: finished)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    var data = try encoder.encode(File(synthetic: meta))
    data.append(UInt8(ascii: "\n"))
    return data
  }

  /// Writes through a temporary file and a rename; throws `DatasetError` naming `file`.
  static func atomicWrite(_ data: Data, to file: URL) throws {
    do { try data.write(to: file, options: .atomic) } catch {
      throw DatasetError(file: file.path, message: "cannot write: \(error.localizedDescription)")
    }
  }
}
