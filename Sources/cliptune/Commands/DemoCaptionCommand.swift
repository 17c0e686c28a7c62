import ArgumentParser
import Foundation
import Training
import Workflows

/// `cliptune demo caption`: pretrain a ViT-GPT-2 captioner on synthetic `base`, caption `shifted`,
/// LoRA-adapt, caption again, and report ground truth vs before vs after.
struct DemoCaptionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "caption",
    abstract: "Captioning end to end: pretrain a tiny ViT-GPT-2, caption a shifted domain, LoRA-adapt, caption again, report.",
    discussion: """
      Synthesises a base and a shifted captioned-shapes dataset, trains a small VisionEncoderDecoder \
      captioner (ViT encoder, GPT-2 decoder with cross-attention, a GPT-2 BPE vocabulary learned from the \
      captions) from scratch on base, captions the shifted test split with beam search and scores it \
      (BLEU-1..4, CIDEr-D, teacher-forced loss), adapts it with LoRA (GPT-2's c_attn, c_proj, c_fc and the ViT's query, key, value, dense: the shift is visual) \
      on shifted train, and captions the test split again. The output folder gets results.json, \
      report.html (before/after captions next to the ground truth) and the run folders.
      """)
  @OptionGroup var compute: ComputeOptions
  @Option(help: "Folder to write (new, empty, or an earlier demo's).") var output = "demo-run/caption"
  @Option(help: "Random seed (data, initialisation, order, LoRA).") var seed: UInt64 = 0
  @Flag(help: "A small, fast configuration (what the end-to-end test runs).") var quick = false
  @Option(help: "Synthetic base-domain images (pretraining); \(defaults(\.baseImages)).") var baseImages: Int?
  @Option(help: "Synthetic shifted-domain images (adaptation and test); \(defaults(\.shiftedImages)).") var shiftedImages: Int?
  @Option(help: "Side of the synthetic images and of the captioner's input; \(defaults(\.imageSize)).") var imageSize: Int?
  @Option(help: "Pretraining optimiser steps; \(defaults(\.pretrainSteps)).") var pretrainSteps: Int?
  @Option(help: "LoRA peak learning rate; \(defaults(\.adaptLearningRate)).") var adaptLr: Double?
  @Option(help: "LoRA epochs over the shifted train split; \(defaults(\.adaptEpochs)).") var adaptEpochs: Int?
  @Option(help: "Beams when captioning the test split; \(defaults(\.numBeams)).") var numBeams: Int?
  @Option(help: "LoRA target module suffixes, comma-separated; default \(CaptionDemoOptions(output: "").loraTargets.joined(separator: ",")).") var loraTargets: String?
  @Option(help: "LoRA rank; \(defaults(\.loraRank)).") var loraRank: Int?
  @Option(help: "LoRA alpha; \(defaults(\.loraAlpha)).") var loraAlpha: Double?
  @Option(help: "Layers of the scratch encoder and decoder each; \(defaults(\.scratch.layers)).") var layers: Int?
  @Option(help: "Width of the scratch encoder and decoder; \(defaults(\.scratch.hiddenSize)).") var width: Int?
  @Option(help: "Test images shown with their captions in the report; \(defaults(\.exampleCount)).") var examples: Int?

  /// "default X, --quick Y" for a help text.
  static func defaults<T>(_ field: KeyPath<CaptionDemoOptions, T>) -> String {
    "default \(CaptionDemoOptions(output: "")[keyPath: field]), --quick \(CaptionDemoOptions.quick(output: "")[keyPath: field])"
  }

  func options() throws -> CaptionDemoOptions {
    var o = quick ? CaptionDemoOptions.quick(output: output) : CaptionDemoOptions(output: output)
    o.seed = seed
    if let baseImages { o.baseImages = baseImages }
    if let shiftedImages { o.shiftedImages = shiftedImages }
    if let imageSize { o.imageSize = imageSize }
    if let pretrainSteps { o.pretrainSteps = pretrainSteps }
    if let adaptLr { o.adaptLearningRate = adaptLr }
    if let adaptEpochs { o.adaptEpochs = adaptEpochs }
    if let numBeams { o.numBeams = numBeams }
    if let loraTargets { o.loraTargets = loraTargets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    if let layers { o.scratch.layers = layers }
    if let loraRank { o.loraRank = loraRank }
    if let loraAlpha { o.loraAlpha = loraAlpha }
    if let width { o.scratch.hiddenSize = width }
    if let examples { o.exampleCount = examples }
    do { try o.validate() } catch let error as DemoError { throw ValidationError(error.message) }
    return o
  }

  func run() throws {
    compute.apply()
    let display = DemoEventDisplay()
    let summary = try CaptionDemo(options: try options()).run(events: display.show)
    print("\nOn \(summary.testImages.count) shifted test images, seed \(seed):\n")
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    func row(_ name: String, _ e: CaptionDemo.Evaluation) -> String {
      pad(name, 29) + (e.scores.bleu + [e.scores.cider, e.loss]).map { String(format: "%8.4f ", $0) }.joined()
    }
    print(pad("", 29) + ["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "CIDEr", "loss"].map { String(repeating: " ", count: 8 - $0.count) + $0 + " " }.joined())
    print(row("before (pretrained on base)", summary.before))
    print(row("after LoRA on shifted", summary.after))
    print("\nresults: \(summary.results.path)")
    print("report:  \(summary.report.path)")
    print(String(format: "done in %.0f s", summary.seconds))
  }
}
