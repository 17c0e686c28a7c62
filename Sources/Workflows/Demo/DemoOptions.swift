import Foundation
import Training

/// Everything `cliptune demo` does, resolved. Two flows share it:
/// - **synthetic** (no `model`): synthesise `base` and `shifted` captioned-shapes data, pretrain a
///   small CLIP from scratch on `base`, then evaluate → LoRA-adapt → evaluate on `shifted`;
/// - **real data** (`model` and `data` set): evaluate the given checkpoint on the test split,
///   LoRA-adapt on the train split, evaluate again.
public struct DemoOptions: Codable, Equatable, Sendable {
  /// The folder the demo writes (data, runs, results.json, report.html).
  public var output: String
  public var seed: UInt64 = 0

  // Real-data flow.
  /// A Hugging Face CLIP folder to adapt; nil runs the synthetic flow.
  public var model: String?
  /// Karpathy JSON with train/val/test splits (or any format `cliptune train` reads, with `testSplit`).
  public var data: String?
  public var imageRoot: String?
  public var testSplit = "test"

  // Synthetic data.
  public var baseImages = 3000
  public var shiftedImages = 1000
  public var imageSize = 48

  /// The from-scratch model of the synthetic flow.
  public var scratch = ScratchModelShape()

  // Pretraining (synthetic flow): full training on `base`.
  public var pretrainSteps = 800
  public var pretrainLearningRate = 1e-3
  public var pretrainBatchSize = 32

  // Adaptation: LoRA on the target domain's train split.
  public var adaptEpochs = 10
  public var adaptLearningRate = 2e-3
  public var adaptBatchSize = 32
  public var loraRank = 16
  public var loraAlpha: Double = 32

  /// Test images shown with their top captions before and after in the report.
  public var exampleCount = 6

  public init(output: String) { self.output = output }

  /// A configuration small enough for an end-to-end test (seconds, not minutes).
  public static func quick(output: String) -> DemoOptions {
    var o = DemoOptions(output: output)
    o.baseImages = 600
    o.shiftedImages = 500
    o.imageSize = 32
    o.scratch = ScratchModelShape(hiddenSize: 64, layers: 2, heads: 4, patchSize: 8, contextLength: 32)
    o.pretrainSteps = 200
    o.pretrainLearningRate = 2e-3
    o.adaptEpochs = 15
    o.adaptLearningRate = 5e-3
    o.exampleCount = 3
    return o
  }

  /// True for the synthetic flow (no `model` given).
  public var isSynthetic: Bool { model == nil }

  /// Checks ranges and that `model` and `data` come together; the message names the flag.
  public func validate() throws {
    func check(_ ok: Bool, _ message: String) throws { if !ok { throw DemoError(message) } }
    try check((model == nil) == (data == nil), "--model and --data go together (both for your own data, neither for the synthetic demo)")
    try check(imageRoot == nil || data != nil, "--image-root needs --data")
    try check((100...1_000_000).contains(baseImages) && (100...1_000_000).contains(shiftedImages),
              "--base-images and --shifted-images must be in 100...1000000")
    try check((32...256).contains(imageSize) && imageSize % scratch.patchSize == 0,
              "--image-size must be in 32...256 (the scratch model's attention grows with its fourth power) and a multiple of the patch size \(scratch.patchSize)")
    try check((1...TrainingOptions.Limits.steps).contains(pretrainSteps), "--pretrain-steps must be in 1...\(TrainingOptions.Limits.steps)")
    try check((1...TrainingOptions.Limits.epochs).contains(adaptEpochs), "--adapt-epochs must be in 1...\(TrainingOptions.Limits.epochs)")
    try check((2...TrainingOptions.Limits.batchSize).contains(pretrainBatchSize) && (2...TrainingOptions.Limits.batchSize).contains(adaptBatchSize),
              "--batch-size must be in 2...\(TrainingOptions.Limits.batchSize)")
    try check(pretrainLearningRate.isFinite && pretrainLearningRate > 0, "--pretrain-lr must be a positive number")
    try check(adaptLearningRate.isFinite && adaptLearningRate > 0, "--adapt-lr must be a positive number")
    try check((1...TrainingOptions.Limits.loraRank).contains(loraRank), "--lora-rank must be in 1...\(TrainingOptions.Limits.loraRank)")
    try check(loraAlpha.isFinite && loraAlpha > 0, "--lora-alpha must be a positive number")
    try check((0...1000).contains(exampleCount), "--examples must be in 0...1000")
    try check(!output.isEmpty, "--output is empty")
  }
}

/// The shape of the small CLIP the synthetic flow pretrains: both towers alike.
public struct ScratchModelShape: Codable, Equatable, Sendable {
  public var hiddenSize = 128
  public var layers = 4
  public var heads = 4
  public var patchSize = 8
  /// Text positions (captions are at most ~20 tokens with the trained vocabulary).
  public var contextLength = 32

  public init(hiddenSize: Int = 128, layers: Int = 4, heads: Int = 4, patchSize: Int = 8, contextLength: Int = 32) {
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.heads = heads
    self.patchSize = patchSize
    self.contextLength = contextLength
  }
}

/// A demo failure, naming the file or flag at fault.
public struct DemoError: Error, CustomStringConvertible {
  public let file: String?
  public let message: String
  public init(file: String? = nil, _ message: String) {
    self.file = file
    self.message = message
  }
  public var description: String { file.map { "\($0): \(message)" } ?? message }
}
