import ArgumentParser
import Datasets
import Foundation

/// `cliptune synth`: write a deterministic captioned-shapes dataset (PNG images + Karpathy JSON)
/// for trying retrieval fine-tuning and domain shift without downloading anything.
struct Synth: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a synthetic captioned-shapes dataset (images/*.png + dataset.json, Karpathy layout).")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Folder to write (new, empty, or an earlier synth output).") var output: String
  @Option(help: "Number of images (10 to 1000000); split 80/10/10 into train/val/test.") var images: Int = 600
  @Option(help: "Random seed; the same seed gives byte-identical files.") var seed: UInt64 = 0
  @Option(help: "base (red/green/blue/yellow circles, squares, triangles on dark) or shifted (other colours, shapes and textured backgrounds).")
  var domain: String = "base"
  @Option(help: "Side of the square images in pixels (32 to 4096).") var imageSize: Int = 224

  static let maxImages = SyntheticDataset.maximumImages
  static let maxImageSize = SyntheticDataset.maximumImageSize

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
  }

  func run() throws {
    compute.apply()
    let options = SyntheticDatasetOptions(imageCount: images, seed: seed, domain: SyntheticDomain(rawValue: domain)!,
                                          imageSize: imageSize)
    let counts = try SyntheticDataset.write(to: URL(fileURLWithPath: output), options: options)
    FileHandle.standardError.write(Data(
      "wrote \(images) \(domain) images (train \(counts.train), val \(counts.val), test \(counts.test)) and dataset.json to \(output)\n".utf8))
  }
}
