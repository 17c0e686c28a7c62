import Foundation
import Layers
import SafeTensors
import Tensors

/// The moments of one parameter.
final class AdamSlot {
  var step = 0
  var expAvg: Tensor     // m, the parameter's shape
  var expAvgSq: Tensor   // v, the parameter's shape
  init(shape: [Int]) { expAvg = Tensor(zeros: shape); expAvgSq = Tensor(zeros: shape) }
  init(step: Int, expAvg: Tensor, expAvgSq: Tensor) { (self.step, self.expAvg, self.expAvgSq) = (step, expAvg, expAvgSq) }
}

/// torch.optim.Adam's single-tensor update (`_single_tensor_adam`), shared by `Adam` (L2 decay
/// added to the gradient) and `AdamW` (decoupled decay). Scalars are formed in Double from the
/// Float learning rate, then rounded to Float where PyTorch hands them to a float32 kernel, so
/// every element sees PyTorch's operations in PyTorch's order.
final class AdamEngine {
  let kind: String
  let decoupled: Bool
  var betas: (Double, Double), eps: Double, weightDecay: Double
  var decays: (Parameter) -> Bool
  var slots: [String: AdamSlot] = [:]

  init(kind: String, decoupled: Bool, betas: (Double, Double), eps: Double, weightDecay: Double,
       decays: @escaping (Parameter) -> Bool) {
    precondition(betas.0 >= 0 && betas.0 < 1 && betas.1 >= 0 && betas.1 < 1 && eps >= 0 && weightDecay >= 0,
                 "\(kind): invalid betas \(betas), eps \(eps) or weight decay \(weightDecay)")
    (self.kind, self.decoupled, self.betas, self.eps, self.weightDecay, self.decays) = (kind, decoupled, betas, eps, weightDecay, decays)
  }

  func step(_ parameters: [Parameter], lr: Float) {
    for p in updatableParameters(parameters) {
      let slot = slots[p.name] ?? { let s = AdamSlot(shape: p.shape); slots[p.name] = s; return s }()
      precondition(slot.expAvg.count == p.value.count, "\(kind) state for '\(p.name)' has \(slot.expAvg.count) elements, the parameter \(p.value.count)")
      slot.step += 1
      let c = coefficients(lr: Double(lr), step: Double(slot.step), weightDecay: decays(p) ? weightDecay : 0)
      let grad = p.grad!
      let n = p.value.count
      grad.data.withUnsafeBufferPointer { g in
        p.value.data.withUnsafeMutableBufferPointer { v in
          slot.expAvg.data.withUnsafeMutableBufferPointer { m in
            slot.expAvgSq.data.withUnsafeMutableBufferPointer { s in
              let ptrs = UnsafeSendable((g.baseAddress!, v.baseAddress!, m.baseAddress!, s.baseAddress!))
              Parallel.forEach(n, grain: 1 << 15) { r in
                AdamEngine.update(ptrs.pointer.0, ptrs.pointer.1, ptrs.pointer.2, ptrs.pointer.3, r, c)
              }
            }
          }
        }
      }
    }
  }

  /// Per-step scalars, as PyTorch forms them.
  struct Coefficients {
    var decay: Float          // AdamW: param.mul_(1 − lr·wd); else 1
    var l2: Float             // Adam: grad.add(param, alpha=wd); else 0
    var lerpWeight: Float     // exp_avg.lerp_(grad, 1 − β1)
    var lerpSmall: Bool       // |weight| < 0.5: which of lerp's two formulas PyTorch uses
    var oneMinusWeight: Float
    var beta2: Float, oneMinusBeta2: Float
    var bc2Sqrt: Float        // (1 − β2^t)^0.5
    var eps: Float
    var negStepSize: Float    // −lr / (1 − β1^t)
  }

  func coefficients(lr: Double, step: Double, weightDecay wd: Double) -> Coefficients {
    let weight = Float(1 - betas.0)
    return Coefficients(
      decay: decoupled && wd != 0 ? Float(1 - lr * wd) : 1,
      l2: decoupled ? 0 : Float(wd),
      lerpWeight: weight, lerpSmall: abs(weight) < 0.5, oneMinusWeight: 1 - weight,
      beta2: Float(betas.1), oneMinusBeta2: Float(1 - betas.1),
      bc2Sqrt: Float(Foundation.pow(1 - Foundation.pow(betas.1, step), 0.5)),
      eps: Float(eps),
      negStepSize: Float(-(lr / (1 - Foundation.pow(betas.0, step)))))
  }

  /// The element loops: plain scalar code that auto-vectorises (no reductions, no SIMD methods).
  /// One loop per lerp formula, so neither carries a branch.
  static func update(_ g: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                     _ v: UnsafeMutablePointer<Float>, _ range: Range<Int>, _ c: Coefficients) {
    if c.lerpSmall {
      for i in range { element(i, g, p, m, v, c, lerpSmall: true) }
    } else {
      for i in range { element(i, g, p, m, v, c, lerpSmall: false) }
    }
  }

  @inline(__always)
  static func element(_ i: Int, _ g: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                      _ v: UnsafeMutablePointer<Float>, _ c: Coefficients, lerpSmall: Bool) {
    let param = p[i]
    let grad = g[i] + c.l2 * param
    let diff = grad - m[i]
    let mNew = lerpSmall ? m[i] + c.lerpWeight * diff : grad - diff * c.oneMinusWeight  // ATen's lerp
    let vNew = v[i] * c.beta2 + c.oneMinusBeta2 * grad * grad
    m[i] = mNew
    v[i] = vNew
    // abs() changes nothing (v ≥ 0, never −0) but tells LLVM the square root cannot set errno, so
    // it becomes a vector sqrtps instead of a sqrtf call per element.
    let denom = abs(vNew).squareRoot() / c.bc2Sqrt + c.eps
    p[i] = param * c.decay + c.negStepSize * mNew / denom
  }

  // MARK: state

  func stateTensors() -> [(name: String, tensor: Tensor)] {
    slots.keys.sorted().flatMap { name -> [(name: String, tensor: Tensor)] in
      let s = slots[name]!
      return [("\(name).exp_avg", s.expAvg), ("\(name).exp_avg_sq", s.expAvgSq),
              ("\(name).step", OptimizerStateFile.stepTensor(s.step))]
    }
  }

  var metadata: [String: String] {
    ["optimizer": kind, "betas": "\(betas.0),\(betas.1)", "eps": "\(eps)", "weight_decay": "\(weightDecay)"]
  }

  func loadState(from file: SafeTensorsFile) throws {
    var loaded: [String: AdamSlot] = [:]
    for (name, entry) in try OptimizerStateFile.read(file, kind: kind, fields: ["exp_avg", "exp_avg_sq", "step"]) {
      let m = entry["exp_avg"]!, v = entry["exp_avg_sq"]!
      guard m.shape == v.shape else {
        throw TrainingError(file: file.url.path, "'\(name)': exp_avg \(m.shape) and exp_avg_sq \(v.shape) differ")
      }
      loaded[name] = AdamSlot(step: try OptimizerStateFile.stepCount(entry["step"]!, name: name, file: file), expAvg: m, expAvgSq: v)
    }
    slots = loaded
  }
}
