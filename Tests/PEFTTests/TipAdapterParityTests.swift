import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing

/// TipAdapter and TipAdapterF against the official Tip-Adapter computations in PyTorch
/// (Tests/Fixtures/fewshot/tip_adapter.*, Scripts/fixtures/make_tip_adapter_fixtures.py): 4 classes,
/// 8 dimensions, 16 cache keys, 40 validation samples.
struct TipAdapterParityTests {
  /// Logits, loss and ∂L/∂K against float64 PyTorch: max |ours − theirs| ≤ 1e-5 · max |theirs|.
  static let tolerance: Float = 1e-5

  struct Info: Decodable {
    struct Search: Decodable { let search_scale: [Double]; let search_step: [Int]; let dtype: String; let beta: Double; let alpha: Double; let accuracy: Double }
    let alpha: Double; let beta: Double; let f_alpha: Double; let f_beta: Double; let f_loss: Double
    let searches: [Search]; let f_searches: [Search]
  }

  static let file = try! SafeTensorsFile(contentsOf: Fixtures.url("fewshot/tip_adapter.safetensors"))
  static let info = try! JSONDecoder().decode(Info.self, from: Data(contentsOf: Fixtures.url("fewshot/tip_adapter.json")))

  static func cache() throws -> TipAdapter {
    try TipAdapter(trainFeatures: file.tensor("train_x"), labels: file.integers("train_y"), classifier: file.tensor("classifier"))
  }

  static func trained(alpha: Double, beta: Double) throws -> TipAdapterF {
    let f = try TipAdapterF(cache(), alpha: alpha, beta: beta)
    f.keys.value = try file.tensor("trained_keys")
    return f
  }

  static func grid(_ s: Info.Search) -> TipAdapterSearchGrid {
    TipAdapterSearchGrid(betaScale: s.search_scale[0], alphaScale: s.search_scale[1], betaSteps: s.search_step[0], alphaSteps: s.search_step[1])
  }

  @Test func cacheLogitsMatchTheOfficialExpression() throws {
    let logits = try Self.cache().logits(Self.file.tensor("val_x"), alpha: Self.info.alpha, beta: Self.info.beta)
    let expected = try Self.file.tensor("tip_logits")
    #expect(logits.shape == expected.shape)
    let c = Closeness(logits.data, expected.data)
    print("Tip-Adapter logits: \(c)")
    #expect(c.maxRelToScale <= Self.tolerance, "\(c)")
  }

  @Test func searchPicksTheOfficialSearchHpSetting() throws {
    let model = try Self.cache()
    let (x, y) = (try Self.file.tensor("val_x"), try Self.file.integers("val_y"))
    for s in Self.info.searches where s.dtype == "torch.float32" {
      let r = try model.search(validation: x, labels: y, grid: Self.grid(s))
      #expect(abs(r.beta - s.beta) < 1e-12 && abs(r.alpha - s.alpha) < 1e-12, "grid \(s.search_scale): ours (\(r.beta), \(r.alpha)), official (\(s.beta), \(s.alpha))")
      #expect(abs(r.validationAccuracy - s.accuracy) < 1e-9)
    }
  }

  @Test func tipAdapterFLogitsLossAndKeyGradientMatchAutograd() throws {
    let f = try Self.trained(alpha: Self.info.f_alpha, beta: Self.info.f_beta)
    let batch = try Self.file.tensor("val_x").rows(0..<6), labels = Array(try Self.file.integers("val_y")[0..<6])
    let (loss, logits) = try f.crossEntropyStep(features: batch, labels: labels)
    let expectedLogits = try Self.file.tensor("f_logits"), expectedGradient = try Self.file.tensor("f_dkeys")
    let grad = try #require(f.keys.grad)
    print("Tip-Adapter-F: logits \(Closeness(logits.data, expectedLogits.data)); dKeys \(Closeness(grad.data, expectedGradient.data)); loss \(loss) vs \(Self.info.f_loss)")
    #expect(Closeness(logits.data, expectedLogits.data).maxRelToScale <= Self.tolerance)
    #expect(grad.shape == expectedGradient.shape)
    #expect(Closeness(grad.data, expectedGradient.data).maxRelToScale <= Self.tolerance)
    #expect(abs(loss - Self.info.f_loss) <= Double(Self.tolerance) * Self.info.f_loss)
  }

  @Test func searchOnTrainedKeysMatchesTheOfficialAdapterSearch() throws {
    let model = try Self.trained(alpha: Self.info.f_alpha, beta: Self.info.f_beta).adapter
    let (x, y) = (try Self.file.tensor("val_x"), try Self.file.integers("val_y"))
    for s in Self.info.f_searches where s.dtype == "torch.float32" {
      let r = try model.search(validation: x, labels: y, grid: Self.grid(s))
      #expect(abs(r.beta - s.beta) < 1e-12 && abs(r.alpha - s.alpha) < 1e-12, "grid \(s.search_scale): ours (\(r.beta), \(r.alpha)), official (\(s.beta), \(s.alpha))")
      #expect(abs(r.validationAccuracy - s.accuracy) < 1e-9)
    }
  }

  /// Central differences of the Float loss in each key element (β = 1, α = 2, h = 5e-3: truncation
  /// ~h²β³ and rounding ~1e-7·L/h both far below the 2e-3 · max|∂L/∂K| tolerance).
  @Test func keyGradientMatchesFiniteDifferences() throws {
    let f = try Self.trained(alpha: 2, beta: 1)
    let batch = try Self.file.tensor("val_x").rows(0..<8), labels = Array(try Self.file.integers("val_y")[0..<8])
    _ = try f.crossEntropyStep(features: batch, labels: labels)
    let analytic = try #require(f.keys.grad).data
    let start = f.keys.value, h: Float = 5e-3
    func loss(_ keys: Tensor) throws -> Double {
      f.keys.value = keys
      defer { f.keys.zeroGradient() }
      return try f.crossEntropyStep(features: batch, labels: labels).loss
    }
    var numeric = [Float](repeating: 0, count: start.count)
    for j in 0..<start.count {
      var plus = start, minus = start
      plus.data[j] += h; minus.data[j] -= h
      numeric[j] = Float((try loss(plus) - loss(minus)) / Double(2 * h))
    }
    #expect(mismatches(analytic, numeric, tolerance: 2e-3, relative: true) == nil)
  }

  @Test func frozenKeysGetNoGradientAndAccumulateWhenTrained() throws {
    let f = try Self.trained(alpha: 2, beta: 1)
    let batch = try Self.file.tensor("val_x").rows(0..<4), labels = Array(try Self.file.integers("val_y")[0..<4])
    _ = try f.crossEntropyStep(features: batch, labels: labels)
    let once = try #require(f.keys.grad)
    _ = try f.crossEntropyStep(features: batch, labels: labels)
    #expect(Closeness(f.keys.grad!.data, once.data.map { 2 * $0 }).maxRelToScale < 1e-6)
    f.keys.zeroGradient()
    f.setTrainable(false)
    _ = try f.crossEntropyStep(features: batch, labels: labels)
    #expect(f.keys.grad == nil)
    #expect(f.parameters.map(\.name) == ["adapter.weight"])
  }
}
