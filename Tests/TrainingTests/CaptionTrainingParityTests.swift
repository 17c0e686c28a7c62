import Foundation
import TestSupport
import Testing
import Training

/// 10 AdamW steps of the tiny captioner against transformers + PEFT
/// (Scripts/fixtures/make_captioner_fixtures.py): the same checkpoint and initial adapter, no
/// shuffle, first caption, no augmentation, no dropout, batch 4, constant lr, weight decay 0.01 on
/// every parameter (torch.optim.AdamW's default). Per-step losses within 1e-4 relative.
struct CaptionTrainingParityTests {
  static let root = Fixtures.url("captioner")

  static func options(_ method: TrainingOptions.Method, output: URL) -> TrainingOptions {
    var o = TrainingOptions(model: root.appendingPathComponent("tiny").path,
                            data: root.appendingPathComponent("data/dataset.json").path, output: output.path)
    o.task = .captioning
    o.method = method
    o.valSplit = nil
    o.shuffle = false
    o.captions = .first
    o.batchSize = 4
    o.schedule = .constant
    o.weightDecay = 0.01
    o.decayAll = true
    o.maxSteps = 10
    o.epochs = 3
    o.saveEvery = 1000
    if method == .lora {
      o.initialAdapter = root.appendingPathComponent("initial_adapter").path
      o.loraDropout = 0
      o.loraTargets = ["c_attn", "c_proj", "c_fc"]
      o.learningRate = 1e-3
    } else {
      o.learningRate = 1e-4
    }
    return o
  }

  static func expected(_ method: String) throws -> [Double] {
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("expected.json"))) as! [String: Any]
    return json[method] as! [Double]
  }

  @Test(arguments: [TrainingOptions.Method.lora, .full])
  func tenStepsMatchTransformersAndPEFT(_ method: TrainingOptions.Method) throws {
    let out = Fixtures.temporaryDirectory("caption-parity").appendingPathComponent("run")
    let trainer = try Trainer(options: Self.options(method, output: out))
    if method == .lora { #expect(trainer.trainableSummary == "trainable params: 4,032 || all params: 63,568 || trainable%: 6.3428") }
    _ = try trainer.run()
    let ours = try TrainingParityTests.losses(out), theirs = try Self.expected(method.rawValue)
    #expect(ours.count == 10)
    for (i, (a, b)) in zip(ours, theirs).enumerated() {
      #expect(abs(a - b) / abs(b) <= 1e-4, "\(method) step \(i + 1): ours \(a), PyTorch \(b)")
    }
  }

  /// Exact accumulation of 2 × 2 is the token-weighted mean over the 4 captions: the batch-4 run.
  @Test func exactAccumulationEqualsTheLargeBatch() throws {
    let dir = Fixtures.temporaryDirectory("caption-accum")
    var o = Self.options(.lora, output: dir.appendingPathComponent("accum"))
    o.batchSize = 2
    o.accumulate = 2
    _ = try Trainer(options: o).run()
    let ours = try TrainingParityTests.losses(dir.appendingPathComponent("accum")), theirs = try Self.expected("lora")
    for (i, (a, b)) in zip(ours, theirs).enumerated() {
      #expect(abs(a - b) / abs(b) <= 1e-4, "2×2 exact, step \(i + 1): \(a) vs batch-4 PyTorch \(b)")
    }
  }
}
