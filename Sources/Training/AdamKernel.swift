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
              AdamUpdate.apply(gradient: g.baseAddress!, parameter: v.baseAddress!, expAvg: m.baseAddress!,
                               expAvgSq: s.baseAddress!, count: n, c)
            }
          }
        }
      }
    }
  }

  /// Per-step scalars, as PyTorch forms them.
  func coefficients(lr: Double, step: Double, weightDecay wd: Double) -> AdamUpdate.Coefficients {
    let weight = Float(1 - betas.0)
    return AdamUpdate.Coefficients(
      decay: decoupled && wd != 0 ? Float(1 - lr * wd) : 1,
      l2: decoupled ? 0 : Float(wd),
      lerpWeight: weight, lerpSmall: abs(weight) < 0.5, oneMinusWeight: 1 - weight,
      beta2: Float(betas.1), oneMinusBeta2: Float(1 - betas.1),
      bc2Sqrt: Float(Foundation.pow(1 - Foundation.pow(betas.1, step), 0.5)),
      eps: Float(eps),
      negStepSize: Float(-(lr / (1 - Foundation.pow(betas.0, step)))))
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
