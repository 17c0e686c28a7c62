import ArgumentParser
import CLIP
import Datasets
import Evaluation
import Foundation
import Tensors

struct Eval: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Evaluate a model, or score given captions.", subcommands: [EvalRetrieval.self, EvalCaptions.self])
}

/// `cliptune eval retrieval`: image↔text R@1/5/10 (CLIP_benchmark protocol) and mean cosine of
/// matched pairs on a captioned split.
struct EvalRetrieval: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retrieval",
    abstract: "Retrieval R@1/5/10 in both directions and mean cosine of matched pairs.")

  @OptionGroup var model: ModelOptions
  @OptionGroup var compute: ComputeOptions
  @Option(help: "Karpathy-split JSON, COCO captions JSON, or CSV/TSV with filepath and caption columns.") var data: String
  @Option(help: "Folder the image paths are relative to (default: the data file's folder, then its images/).") var imageRoot: String?
  @Option(help: "Karpathy split to evaluate (ignored for formats without splits).") var split: String = "test"
  @Option(help: "Also write the JSON result here.") var output: String?

  func validate() throws { try InferenceLimits.check(model) }

  func run() throws {
    compute.apply()
    let inputs = InputFiles.modelInputs(model) + [OutputPath.Input(data, role: "the --data file")]
    if let output { try OutputPath.checkFile(output, inputs: inputs) }
    let dataset = try RetrievalDataset.load(
      URL(fileURLWithPath: data), imageRoot: imageRoot.map { URL(fileURLWithPath: $0) }, split: split)
    try dataset.checkHasCaptions(file: URL(fileURLWithPath: data), split: split)
    let pipeline = try model.load()
    let imageBar = ProgressBar("images", total: dataset.items.count, unit: "img")
    let imageEmbeds = try pipeline.imageFeatures(dataset.items.map(\.image), batchSize: model.batchSize, progress: imageBar.update)
    let texts = dataset.texts
    let textBar = ProgressBar("texts ", total: texts.count, unit: "txt")
    let textEmbeds = try pipeline.textFeatures(texts, batchSize: model.batchSize, progress: textBar.update)
    let result = try RetrievalMetrics.compute(imageEmbeds: imageEmbeds, textEmbeds: textEmbeds, textToImage: dataset.textToImage)
    let json = result.orderedJSON.text() + "\n"
    if let output { try InputFiles.writeAtomically(Data(json.utf8), to: output, inputs: inputs + dataset.items.map { .init($0.image.path, role: "an image of --data") }) }
    print(json, terminator: "")
  }
}
