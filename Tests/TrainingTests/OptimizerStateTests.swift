import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing
import Training

/// Saving an optimiser's state and loading it into a new one continues training bit-identically.
struct OptimizerStateTests {
  static let makers: [(String, @Sendable () -> Optimizer)] = [
    ("AdamW", { AdamW(lr: 1e-2, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.2, decays: WeightDecay.openCLIP) }),
    ("Adam", { Adam(lr: 1e-2, weightDecay: 0.01) }),
    ("SGD", { SGD(lr: 0.1, momentum: 0.9, weightDecay: 1e-4) }),
    ("SGD-nesterov", { SGD(lr: 0.1, momentum: 0.5, weightDecay: 1e-4, nesterov: true) }),
  ]

  /// Parameters big enough for the parallel update loops, and small ones.
  static func model(seed: UInt64) -> [Parameter] {
    var rng = SeededRNG(seed: seed)
    return [
      Parameter("vision_model.encoder.layers.0.mlp.fc1.weight", .randomNormal([300, 250], rng: &rng)),
      Parameter("vision_model.encoder.layers.0.mlp.fc1.bias", .randomNormal([300], rng: &rng)),
      Parameter("logit_scale", Tensor(shape: [1], data: [2.6592])),
    ]
  }

  static func setGradients(_ params: [Parameter], step: Int) {
    var rng = SeededRNG(seed: 1000 + UInt64(step))
    for (i, p) in params.enumerated() {
      p.grad = (i == 1 && step == 2) ? nil : .randomNormal(p.shape, std: 0.1, rng: &rng)
    }
  }

  @Test(arguments: makers)
  func resumesBitIdentically(_ kind: String, _ make: @Sendable () -> Optimizer) throws {
    let dir = Fixtures.temporaryDirectory("optimizer-state")
    defer { try? FileManager.default.removeItem(at: dir) }
    let schedule = LRSchedule(baseLR: make().lr, warmupSteps: 2, decay: .cosine(totalSteps: 8))

    // Uninterrupted: 8 steps.
    let straight = make(), a = Self.model(seed: 5)
    for k in 0..<8 { Self.setGradients(a, step: k); straight.step(a, lr: schedule.learningRate(step: k)) }

    // Interrupted after 4: save parameters and optimiser state, rebuild everything, load, go on.
    let first = make(), b = Self.model(seed: 5)
    for k in 0..<4 { Self.setGradients(b, step: k); first.step(b, lr: schedule.learningRate(step: k)) }
    let url = dir.appendingPathComponent("optimizer.safetensors")
    try first.saveState(to: url)
    let resumed = make(), c = Self.model(seed: 99)
    for (p, q) in zip(c, b) { p.value = q.value }
    try resumed.loadState(from: url)
    try resumed.validateState(against: c)
    #expect(resumed.stateTensors().map(\.name) == first.stateTensors().map(\.name))
    #expect(resumed.stateTensors().map(\.tensor) == first.stateTensors().map(\.tensor))
    for k in 4..<8 { Self.setGradients(c, step: k); resumed.step(c, lr: schedule.learningRate(step: k)) }

    for (p, q) in zip(a, c) { #expect(p.value == q.value, "\(kind) \(p.name) differs after resuming") }
    #expect(straight.stateTensors().map(\.tensor) == resumed.stateTensors().map(\.tensor))
    // And the parameters did move.
    #expect(a[0].value != Self.model(seed: 5)[0].value)
  }

  @Test func refusesAnotherOptimizersState() throws {
    let dir = Fixtures.temporaryDirectory("optimizer-state")
    defer { try? FileManager.default.removeItem(at: dir) }
    let params = Self.model(seed: 1)
    Self.setGradients(params, step: 0)
    let adam = AdamW()
    adam.step(params)
    let url = dir.appendingPathComponent("adamw.safetensors")
    try adam.saveState(to: url)
    #expect(throws: TrainingError.self) { try SGD(momentum: 0.9).loadState(from: url) }
    #expect(throws: TrainingError.self) { try Adam().loadState(from: url) }

    // Incomplete state: exp_avg_sq missing.
    let partial = adam.stateTensors().filter { !$0.name.hasSuffix("exp_avg_sq") }
    let partialURL = dir.appendingPathComponent("partial.safetensors")
    try SafeTensorsWriter.write(partial, metadata: adam.stateMetadata, to: partialURL)
    #expect(throws: TrainingError.self) { try AdamW().loadState(from: partialURL) }

    // State from a model whose shapes differ.
    let other = AdamW()
    try other.loadState(from: url)
    let reshaped = [Parameter("vision_model.encoder.layers.0.mlp.fc1.weight", Tensor(zeros: [250, 300]))]
    #expect(throws: TrainingError.self) { try other.validateState(against: reshaped) }
    #expect(throws: TrainingError.self) { try other.validateState(against: []) }
  }

  @Test func resetForgetsState() {
    let params = Self.model(seed: 2)
    Self.setGradients(params, step: 0)
    for opt: Optimizer in [AdamW(), Adam(), SGD(momentum: 0.9)] {
      opt.step(params)
      #expect(!opt.stateTensors().isEmpty)
      opt.resetState()
      #expect(opt.stateTensors().isEmpty)
    }
    #expect(SGD().stateTensors().isEmpty)
  }
}

struct AdamDefaultsTests {
  /// PyTorch's defaults: AdamW decays by 0.01, Adam not at all; the names go into checkpoints.
  @Test func adamAndAdamWKeepTheirOwnDefaultsAndNames() {
    let w = AdamW(), a = Adam()
    #expect(w.weightDecay == 0.01 && w.kind == "AdamW")
    #expect(a.weightDecay == 0 && a.kind == "Adam")
    #expect(AdamW(lr: 2e-4, weightDecay: 0.1).weightDecay == 0.1 && AdamW(lr: 2e-4).lr == 2e-4)
  }
}
