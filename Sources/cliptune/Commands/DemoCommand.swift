import ArgumentParser
import Foundation
import Training
import Workflows

/// `cliptune demo`: evaluate → fine-tune → evaluate → report, on synthetic data with a CLIP it
/// pretrains from scratch, or on your own checkpoint and data (`--model`, `--data`).
struct DemoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "End-to-end demos: retrieval fine-tuning (the default), the few-shot study and captioning.",
    subcommands: [DemoRetrievalCommand.self, DemoFewShotCommand.self, DemoCaptionCommand.self],
    defaultSubcommand: DemoRetrievalCommand.self)
}

/// Shows a demo's events on standard error: each stage's line and a progress bar per training run.
final class DemoEventDisplay {
  private var bar: TrainingProgressDisplay?

  func show(_ event: DemoEvent) {
    switch event {
    case .stage(let name, let detail):
      FileHandle.standardError.write(Data("\n\u{25B8} \(name): \(detail)\n".utf8))
    case .trainingStarted(let stage, let total, let trainable):
      FileHandle.standardError.write(Data("  \(trainable)\n".utf8))
      bar = TrainingProgressDisplay(stage, totalSteps: total, indent: "  ")
    case .trainingStep(_, let p):
      bar?.show(p)
    }
  }
}

/// `cliptune demo [retrieval]`: evaluate → fine-tune → evaluate → report.
struct DemoRetrievalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retrieval",
    abstract: "Evaluate → LoRA fine-tune → evaluate → report, end to end.",
    discussion: """
      Without --model: synthesises a base and a shifted captioned-shapes dataset, pretrains a small CLIP \
      from scratch on base, evaluates it on the shifted test split (retrieval R@1/5/10 both ways, mean \
      cosine, zero-shot over shape names), LoRA-fine-tunes it on shifted and evaluates again.
      With --model DIR --data FILE: the same evaluate → LoRA → evaluate on your checkpoint and data \
      (Karpathy JSON with train/val/test splits, e.g. Flickr30k).
      The output folder gets results.json, report.html and the run folders.
      `cliptune demo fewshot --model DIR` runs the few-shot study on a synthetic classification task.
      """)
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Folder to write (new, empty, or an earlier demo's).") var output = "demo-run"
  @Option(help: "Random seed (data, initialisation, order, LoRA).") var seed: UInt64 = 0
  @Option(help: "A Hugging Face CLIP folder to adapt instead of pretraining one.") var model: String?
  @Option(help: "Karpathy-split JSON (train/val/test) to adapt and evaluate on; with --model.") var data: String?
  @Option(help: "Folder the image paths are relative to.") var imageRoot: String?
  @Option(help: "Split to evaluate before and after.") var testSplit = "test"
  @Flag(help: "A small, fast configuration (what the end-to-end test runs).") var quick = false
  @Option(help: "Synthetic base-domain images (pretraining); \(defaults(\.baseImages)).") var baseImages: Int?
  @Option(help: "Synthetic shifted-domain images (adaptation and test); \(defaults(\.shiftedImages)).") var shiftedImages: Int?
  @Option(help: "Side of the synthetic images and of the scratch model's input; \(defaults(\.imageSize)).") var imageSize: Int?
  @Option(help: "Pretraining optimiser steps; \(defaults(\.pretrainSteps)).") var pretrainSteps: Int?
  @Option(help: "Pretraining peak learning rate; \(defaults(\.pretrainLearningRate)).") var pretrainLr: Double?
  @Option(help: "LoRA epochs over the train split; \(defaults(\.adaptEpochs)).") var adaptEpochs: Int?
  @Option(help: "LoRA peak learning rate; \(defaults(\.adaptLearningRate)).") var adaptLr: Double?
  @Option(help: "LoRA rank; \(defaults(\.loraRank)).") var loraRank: Int?
  @Option(help: "LoRA alpha; \(defaults(\.loraAlpha)).") var loraAlpha: Double?
  @Option(help: "Batch size of the LoRA fine-tune; \(defaults(\.adaptBatchSize)).") var batchSize: Int?
  @Option(help: "Test images shown with their top captions in the report; \(defaults(\.exampleCount)).") var examples: Int?

  /// "default X, --quick Y" for a help text.
  static func defaults<T>(_ field: KeyPath<DemoOptions, T>) -> String {
    "default \(DemoOptions(output: "")[keyPath: field]), --quick \(DemoOptions.quick(output: "")[keyPath: field])"
  }

  func options() throws -> DemoOptions {
    var o = quick ? DemoOptions.quick(output: output) : DemoOptions(output: output)
    o.seed = seed
    o.model = model; o.data = data; o.imageRoot = imageRoot; o.testSplit = testSplit
    if let baseImages { o.baseImages = baseImages }
    if let shiftedImages { o.shiftedImages = shiftedImages }
    if let imageSize { o.imageSize = imageSize }
    if let pretrainSteps { o.pretrainSteps = pretrainSteps }
    if let pretrainLr { o.pretrainLearningRate = pretrainLr }
    if let adaptEpochs { o.adaptEpochs = adaptEpochs }
    if let adaptLr { o.adaptLearningRate = adaptLr }
    if let loraRank { o.loraRank = loraRank }
    if let loraAlpha { o.loraAlpha = loraAlpha }
    if let batchSize { o.adaptBatchSize = batchSize }
    if let examples { o.exampleCount = examples }
    do { try o.validate() } catch let error as DemoError { throw ValidationError(error.message) }
    return o
  }

  func run() throws {
    compute.apply()
    let demo = try Demo(options: try options())
    let display = DemoEventDisplay()
    let summary = try demo.run(events: display.show)
    print("\nOn \(summary.testImages) test images (R@1 by chance: \(String(format: "%.1f", summary.chanceR1))%), seed \(seed):\n")
    print(DemoResults.table(summary))
    print("\nresults: \(summary.results.path)")
    print("report:  \(summary.report.path)")
    print(String(format: "done in %.0f s", summary.seconds))
  }
}
