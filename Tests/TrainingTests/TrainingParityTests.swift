import Foundation
import TestSupport
import Testing
import Training

/// 10 AdamW steps against PyTorch + PEFT (Scripts/fixtures/make_train_parity_fixtures.py): the same
/// checkpoint, the same initial adapter, no shuffle, first caption, no augmentation, no dropout.
/// Per-step losses must agree within 1e-3 relative.
struct TrainingParityTests {
  static let root = Fixtures.url("train_parity")

  static func options(_ method: TrainingOptions.Method, output: URL) -> TrainingOptions {
    var o = TrainingOptions(model: Fixtures.url("clip/tiny").path, data: root.appendingPathComponent("data/dataset.json").path,
                            output: output.path)
    o.method = method
    o.valSplit = nil
    o.shuffle = false
    o.captions = .first
    o.augment = .none
    o.batchSize = 4
    o.schedule = .constant
    o.weightDecay = 0.01
    o.maxSteps = 10
    o.epochs = 3
    o.saveEvery = 1000
    if method == .lora {
      o.initialAdapter = root.appendingPathComponent("initial_adapter").path
      o.loraDropout = 0
      o.learningRate = 1e-3
    } else {
      o.learningRate = 1e-4
    }
    return o
  }

  static func expectedLosses(_ method: String) throws -> [Double] {
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("expected.json"))) as! [String: Any]
    return (json[method] as! [String: Any])["losses"] as! [Double]
  }

  /// The per-step training losses in a run folder's metrics.jsonl.
  static func losses(_ run: URL) throws -> [Double] {
    try MetricsLog.read(run.appendingPathComponent("metrics.jsonl")).compactMap { $0["split"] == nil ? ($0["loss"] as? NSNumber)?.doubleValue : nil }
  }

  @Test(arguments: [TrainingOptions.Method.lora, .full])
  func tenStepsMatchPyTorch(_ method: TrainingOptions.Method) throws {
    let out = Fixtures.temporaryDirectory("parity").appendingPathComponent("run")
    let trainer = try Trainer(options: Self.options(method, output: out))
    _ = try trainer.run()
    let ours = try Self.losses(out), theirs = try Self.expectedLosses(method.rawValue)
    #expect(ours.count == 10)
    for (i, (a, b)) in zip(ours, theirs).enumerated() {
      #expect(abs(a - b) / abs(b) <= 1e-3, "\(method) step \(i + 1): ours \(a), PyTorch \(b)")
    }
  }

  @Test func exactAccumulationEqualsTheLargeBatch() throws {
    let dir = Fixtures.temporaryDirectory("accum")
    var o = Self.options(.lora, output: dir.appendingPathComponent("accum"))
    o.batchSize = 2
    o.accumulate = 2
    _ = try Trainer(options: o).run()
    let ours = try Self.losses(dir.appendingPathComponent("accum")), theirs = try Self.expectedLosses("lora")
    for (i, (a, b)) in zip(ours, theirs).enumerated() {
      #expect(abs(a - b) / abs(b) <= 1e-3, "2×2 exact, step \(i + 1): \(a) vs batch-4 PyTorch \(b)")
    }
  }

  @Test func twoRunsWithoutRandomnessAreBitIdentical() throws {
    let dir = Fixtures.temporaryDirectory("repeat")
    for name in ["a", "b"] { _ = try Trainer(options: Self.options(.lora, output: dir.appendingPathComponent(name))).run() }
    let a = try Data(contentsOf: dir.appendingPathComponent("a/adapter/adapter_model.safetensors"))
    let b = try Data(contentsOf: dir.appendingPathComponent("b/adapter/adapter_model.safetensors"))
    #expect(a == b)
    #expect(try Self.losses(dir.appendingPathComponent("a")) == Self.losses(dir.appendingPathComponent("b")))
  }
}
