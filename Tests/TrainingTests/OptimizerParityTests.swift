import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing
import Training

/// Six-step trajectories through torch.optim.AdamW / Adam / SGD
/// (Scripts/fixtures/make_training_fixtures.py): parameters "w" [3, 4], "b" [4] (no gradient at
/// steps 1 and 4), "e" [2, 3, 2] (tiny gradients), a new learning rate each step. Parameters after
/// every step and the final state must agree to 1e-6 of their scale.
struct OptimizerParityTests {
  static let tolerance: Float = 1e-6
  let f: SafeTensorsFile
  init() throws { f = try SafeTensorsFile(contentsOf: Fixtures.url("training/optimizers.safetensors")) }

  static let cases: [(String, @Sendable () -> Optimizer)] = [
    ("adamw", { AdamW(betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1) }),
    ("adamw_groups", { AdamW(betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1, decays: { $0.name != "b" }) }),
    ("adam", { Adam(weightDecay: 0.01) }),
    ("sgd", { SGD(momentum: 0.9, weightDecay: 1e-4) }),
    ("sgd_nesterov", { SGD(momentum: 0.8, weightDecay: 1e-3, nesterov: true) }),
    ("sgd_plain", { SGD() }),
  ]

  @Test(arguments: cases)
  func trajectoryMatchesTorch(_ label: String, _ make: @Sendable () -> Optimizer) throws {
    let optimizer = make()
    let params = try ["w", "b", "e"].map { Parameter($0, try f.tensor("init.\($0)")) }
    // A frozen parameter with a gradient: never touched, never given state.
    let frozen = Parameter("frozen", Tensor(repeating: 1, shape: [2]), trainable: false)
    frozen.grad = Tensor(repeating: 5, shape: [2])
    for (k, lr) in try f.tensor("\(label).lr").data.enumerated() {
      for p in params {
        let key = "grad.\(k).\(p.name)"
        p.grad = f.contains(key) ? try f.tensor(key) : nil
      }
      optimizer.step(params + [frozen], lr: lr)
      for p in params {
        let c = Closeness(p.value.data, try f.tensor("\(label).param.\(k).\(p.name)").data)
        #expect(c.maxRelToScale <= Self.tolerance, "\(label) step \(k) \(p.name): \(c)")
      }
    }
    #expect(frozen.value.data == [1, 1])

    let state = Dictionary(uniqueKeysWithValues: optimizer.stateTensors().map { ($0.name, $0.tensor) })
    let prefix = "\(label).state."
    let expected = f.names.filter { $0.hasPrefix(prefix) }
    #expect(Set(state.keys) == Set(expected.map { String($0.dropFirst(prefix.count)) }))
    for name in expected {
      let key = String(name.dropFirst(prefix.count))
      guard let mine = state[key] else { continue }
      let ref = try f.tensor(name)
      #expect(mine.shape == ref.shape, "\(key): \(mine.shape) vs \(ref.shape)")
      let c = Closeness(mine.data, ref.data)
      #expect(key.hasSuffix(".step") ? c.maxAbs == 0 : c.maxRelToScale <= Self.tolerance, "\(label) state \(key): \(c)")
    }
  }

  @Test func perParameterStepCounts() throws {
    let optimizer = AdamW()
    let (a, b) = (Parameter("a", Tensor(zeros: [3])), Parameter("b", Tensor(zeros: [3])))
    for k in 0..<5 {
      a.grad = Tensor(repeating: 1, shape: [3])
      b.grad = k % 2 == 0 ? Tensor(repeating: 1, shape: [3]) : nil
      optimizer.step([a, b])
    }
    #expect(optimizer.stepCount(of: "a") == 5 && optimizer.stepCount(of: "b") == 3)
    #expect(optimizer.stepCount(of: "missing") == 0)
  }
}
