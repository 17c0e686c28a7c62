import ArgumentParser
import CLIP
import Foundation
import Layers
import Tensors

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure throughput and peak memory.", subcommands: [BenchEmbed.self, BenchTrain.self, BenchCaption.self, BenchGEMM.self])
}

/// `cliptune bench embed`: images/s and texts/s of feature extraction, like the PyTorch anchor's
/// `--what embed` (same shapes: random pixels, random ids of one length ending in EOT).
struct BenchEmbed: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "embed", abstract: "Images/s and texts/s of get_image_features / get_text_features.")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "A Hugging Face CLIP folder to benchmark (its real weights).")
  var model: String?
  @Option(help: "Or an architecture with random weights: b32, b16, l14.")
  var config: String?
  @Option(help: "Batch size.") var batch: Int = 32
  @Option(help: "Text length in tokens (with start/end).") var textLen: Int = 20
  @Option(help: "Timed repetitions after one warm-up; the best is reported.") var steps: Int = 3
  @Option(help: "What to time: images, texts or both (comma-separated).") var what: String = "images,texts"
  @Option(help: "Also write the results as JSON here.") var output: String?

  func validate() throws {
    guard (model == nil) != (config == nil) else { throw ValidationError("give exactly one of --model DIR or --config b32|b16|l14") }
    if let config, CLIPConfig.preset(config) == nil { throw ValidationError("unknown --config '\(config)' (b32, b16, l14)") }
    guard Set(what.split(separator: ",").map(String.init)).isSubset(of: ["images", "texts"]) else {
      throw ValidationError("--what takes images, texts or images,texts")
    }
    guard (1...65536).contains(batch), (2...65536).contains(textLen), (1...1000).contains(steps) else {
      throw ValidationError("--batch must be in 1...65536, --steps in 1...1000 and --text-len in 2...65536")
    }
  }

  func run() throws {
    compute.apply()
    if let output { try OutputPath.checkFile(output) }  // before minutes of timing
    let clip: CLIPModel
    if let model {
      clip = try CLIPModel.load(directory: URL(fileURLWithPath: model))
    } else {
      clip = BenchInputs.randomModel(CLIPConfig.preset(config!)!)
    }
    let c = clip.config
    guard textLen <= c.text.maxPositionEmbeddings else {
      throw ValidationError("--text-len \(textLen) exceeds the model's context length \(c.text.maxPositionEmbeddings)")
    }
    guard c.text.vocabSize > 2 else {
      throw ValidationError("the model's vocabulary has \(c.text.vocabSize) tokens; random texts need more than 2")
    }
    let (pixels, ids) = BenchInputs.batch(c, size: batch, textLength: textLen)
    func best(_ body: () throws -> Void) rethrows -> Double { try BestTime.seconds(steps: steps, body) }
    let parts = Set(what.split(separator: ","))
    let imageSeconds = parts.contains("images") ? try best { _ = try clip.imageFeatures(pixels) } : .nan
    let textSeconds = parts.contains("texts") ? try best { _ = try clip.textFeatures(ids) } : .nan
    let result = BenchEmbedResult(
      images_per_s: Double(batch) / imageSeconds, texts_per_s: Double(batch) / textSeconds,
      peak_rss_mb: PeakMemory.residentMegabytes(), batch: batch, text_len: textLen,
      threads: ComputeContext.threads, model: model ?? config!, backend: ComputeContext.backend)
    print(String(format: "embed: images %.1f/s, texts(len %d) %.1f/s, peak RSS %.0f MB",
                 result.images_per_s, textLen, result.texts_per_s, result.peak_rss_mb) + "; \(result.backend), \(result.threads) threads")
    if let output { try InputFiles.writeAtomically(try InputFiles.json(result), to: output) }
  }
}

struct BenchEmbedResult: Codable {
  var images_per_s: Double
  var texts_per_s: Double
  var peak_rss_mb: Double
  var batch: Int
  var text_len: Int
  var threads: Int
  var model: String
  var backend: String
}

/// The fastest of `steps` timed runs after one warm-up run.
enum BestTime {
  static func seconds(steps: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()  // warm-up
    var times: [Double] = []
    for _ in 0..<max(steps, 1) {
      let t0 = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return times.min()!
  }
}

enum PeakMemory {
  /// Peak resident set size of this process so far, in MB.
  static func residentMegabytes() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576  // bytes on macOS
    #endif
  }
}
