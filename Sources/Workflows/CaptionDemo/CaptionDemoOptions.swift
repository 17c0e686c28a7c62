import Foundation
import Training

/// Everything `cliptune demo caption` does, resolved: synthesise `base` and `shifted`
/// captioned-shapes data, pretrain a small ViT-GPT-2 captioner from scratch on `base`, caption the
/// `shifted` test split (before), LoRA-adapt on `shifted` train, caption it again (after).
public struct CaptionDemoOptions: Codable, Equatable, Sendable {
  /// The folder the demo writes (data, runs, results.json, report.html).
  public var output: String
  public var seed: UInt64 = 0

  public var baseImages = 2000
  public var shiftedImages = 1500
  public var imageSize = 32

  /// The from-scratch captioner.
  public var scratch = ScratchCaptionerShape()

  // Pretraining: full training on `base`.
  public var pretrainSteps = 700
  public var pretrainLearningRate = 2e-3
  public var pretrainBatchSize = 32

  // Adaptation: LoRA on the shifted train split, every caption of every image an example.
  public var adaptEpochs = 10
  public var adaptLearningRate = 2e-3
  public var adaptBatchSize = 32
  public var loraRank = 32
  public var loraAlpha: Double = 64
  /// Module suffixes LoRA adapts (PEFT's matching): GPT-2's c_attn, c_proj, c_fc (the captioning
  /// recipe) and the ViT's query, key, value and dense layers. The shift is visual (new colours,
  /// shapes, outlines, textured backgrounds) and this ViT was trained from scratch on plain dark
  /// backgrounds only, so adapting the decoder alone leaves it guessing (measured: CIDEr flat or
  /// lower on 2 of 3 seeds); a pretrained ViT such as nlpconnect's has seen such images.
  public var loraTargets = ["c_attn", "c_proj", "c_fc", "query", "key", "value", "dense"]

  // Captioning the test split.
  public var numBeams = 3
  public var maxLength = 24

  /// Test images shown with their captions before and after in the report.
  public var exampleCount = 8

  public init(output: String) { self.output = output }

  /// A configuration small enough for an end-to-end test (seconds, not minutes).
  public static func quick(output: String) -> CaptionDemoOptions {
    var o = CaptionDemoOptions(output: output)
    o.baseImages = 300
    o.shiftedImages = 200
    o.loraRank = 8
    o.loraAlpha = 16
    o.scratch.hiddenSize = 32
    o.scratch.heads = 2
    o.pretrainSteps = 60
    o.adaptEpochs = 2
    o.adaptBatchSize = 16
    o.numBeams = 2
    o.maxLength = 16
    o.exampleCount = 3
    return o
  }

  /// Checks ranges; messages name the flag.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw DemoError(message) } }
    try check(baseImages >= 50 && baseImages <= 1_000_000, "--base-images must be in 50...1000000, got \(baseImages)")
    try check(shiftedImages >= 50 && shiftedImages <= 1_000_000, "--shifted-images must be in 50...1000000, got \(shiftedImages)")
    try check((32...512).contains(imageSize) && imageSize % scratch.patchSize == 0,
              "--image-size must be in 32...512 and a multiple of the patch size \(scratch.patchSize), got \(imageSize)")
    try check((1...1_000_000).contains(pretrainSteps), "--pretrain-steps must be in 1...1000000, got \(pretrainSteps)")
    try check((1...10_000).contains(adaptEpochs), "--adapt-epochs must be in 1...10000, got \(adaptEpochs)")
    try check((1...TrainingOptions.Limits.loraRank).contains(loraRank), "--lora-rank must be in 1...\(TrainingOptions.Limits.loraRank), got \(loraRank)")
    try check(loraAlpha.isFinite && loraAlpha > 0, "--lora-alpha must be a positive number")
    try check(!loraTargets.isEmpty && loraTargets.allSatisfy { !$0.isEmpty }, "--lora-targets takes comma-separated module names")
    try check((1...64).contains(numBeams), "--num-beams must be in 1...64, got \(numBeams)")
    try check(maxLength >= 2 && maxLength <= scratch.positions, "--max-length must be in 2...\(scratch.positions), got \(maxLength)")
    try check(scratch.hiddenSize % scratch.heads == 0, "the scratch width \(scratch.hiddenSize) must divide into \(scratch.heads) heads")
  }
}
