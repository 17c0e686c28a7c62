import ArgumentParser
import Datasets
import Foundation

/// `cliptune synth`: write a deterministic synthetic shapes dataset without downloading anything:
/// captioned images in the Karpathy layout for retrieval (the default), or a VTAB-like
/// classification task in the ImageFolder split layout (`--task classification --factor …`).
struct Synth: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a synthetic shapes dataset: captioned images (images/*.png + dataset.json, Karpathy layout) or a classification task (train|val|test/<class>/*.png + classes.txt).")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Folder to write (new, empty, or an earlier synth output of the same task).") var output: String
  @Option(help: "retrieval (captioned images, Karpathy dataset.json) or classification (ImageFolder train/val/test with classes.txt).")
  var task: String = "retrieval"
  @Option(help: "For --task classification: what the classes differ in, shape, colour, count or position (default shape).")
  var factor: String?
  @Option(help: "Number of images (10 to 1000000); split 80/10/10 into train/val/test.") var images: Int = 600
  @Option(help: "Random seed; the same seed gives byte-identical files.") var seed: UInt64 = 0
  @Option(help: "base (red/green/blue/yellow circles, squares, triangles on dark) or shifted (other colours, shapes and textured backgrounds).")
  var domain: String = "base"
  @Option(help: "Side of the square images in pixels (32 to 4096).") var imageSize: Int = 224

  static let maxImages = SyntheticDataset.maximumImages
  static let maxImageSize = SyntheticDataset.maximumImageSize
  static let tasks = ["retrieval", "classification"]

  func validate() throws {
    guard images >= SyntheticDataset.minimumImages else {
      throw ValidationError("--images must be at least \(SyntheticDataset.minimumImages), got \(images)")
    }
    guard images <= Self.maxImages else {
      throw ValidationError("--images must be at most \(Self.maxImages), got \(images)")
    }
    guard (SyntheticDataset.minimumImageSize...Self.maxImageSize).contains(imageSize) else {
      throw ValidationError("--image-size must be at least \(SyntheticDataset.minimumImageSize) and at most \(Self.maxImageSize), got \(imageSize)")
    }
    guard SyntheticDomain(rawValue: domain) != nil else {
      throw ValidationError("--domain must be base or shifted, got '\(domain)'")
    }
    guard Self.tasks.contains(task) else {
      throw ValidationError("--task must be retrieval or classification, got '\(task)'")
    }
    if let factor {
      guard task == "classification" else { throw ValidationError("--factor applies only to --task classification") }
      guard SyntheticFactor(rawValue: factor) != nil else {
        throw ValidationError("--factor must be \(SyntheticFactor.allCases.map(\.rawValue).joined(separator: ", ")), got '\(factor)'")
      }
    }
  }

  func run() throws {
    compute.apply()
    let domain = SyntheticDomain(rawValue: domain)!
    let url = URL(fileURLWithPath: output)
    if task == "classification" {
      let options = SyntheticClassificationOptions(imageCount: images, seed: seed, domain: domain,
                                                   factor: factor.flatMap(SyntheticFactor.init(rawValue:)) ?? .shape, imageSize: imageSize)
      let counts = try SyntheticClassification.write(to: url, options: options)
      let names = SyntheticClassification.classNames(options)
      FileHandle.standardError.write(Data(
        ("wrote a \(options.factor.rawValue) classification task of \(images) \(domain.rawValue) images, \(names.count) classes "
         + "(\(names.joined(separator: ", "))), train \(counts.train), val \(counts.val), test \(counts.test), to \(output)\n").utf8))
      return
    }
    let options = SyntheticDatasetOptions(imageCount: images, seed: seed, domain: domain, imageSize: imageSize)
    let counts = try SyntheticDataset.write(to: url, options: options)
    FileHandle.standardError.write(Data(
      "wrote \(images) \(domain.rawValue) images (train \(counts.train), val \(counts.val), test \(counts.test)) and dataset.json to \(output)\n".utf8))
  }
}
