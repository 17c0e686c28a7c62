import Layers
import SafeTensors
import Tensors

/// torch.optim.SGD (`_single_tensor_sgd`):
///
///     g ← g + wd·p
///     b ← g on a parameter's first step, else b ← momentum·b + (1 − dampening)·g
///     g ← g + momentum·b (Nesterov) or g ← b
///     p ← p − lr·g
///
/// Momentum 0 keeps no state. Defaults are PyTorch's (no momentum, dampening or weight decay).
public final class SGD: Optimizer {
  /// The learning rate `step(_:)` uses when none is given.
  public var lr: Float
  /// PyTorch's hyperparameters of the same names.
  public let momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool
  /// Which parameters get weight decay (see `WeightDecay`).
  public var decays: (Parameter) -> Bool
  private var buffers: [String: Tensor] = [:]  // momentum buffers, each the parameter's shape

  /// PyTorch's `SGD(params, lr, momentum, dampening, weight_decay, nesterov)`.
  public init(lr: Float = 1e-3, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false,
              decays: @escaping (Parameter) -> Bool = WeightDecay.all) {
    precondition(momentum >= 0 && weightDecay >= 0, "SGD: invalid momentum \(momentum) or weight decay \(weightDecay)")
    precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum requires a momentum and zero dampening")
    (self.lr, self.momentum, self.dampening, self.weightDecay, self.nesterov, self.decays) = (lr, momentum, dampening, weightDecay, nesterov, decays)
  }

  /// The name in checkpoint metadata.
  public var kind: String { "SGD" }

  /// See `Optimizer.step(_:lr:)`.
  public func step(_ parameters: [Parameter], lr: Float) {
    for p in updatableParameters(parameters) {
      let k = Kernel(weightDecay: decays(p) ? Float(weightDecay) : 0, momentum: Float(momentum),
                     oneMinusDampening: Float(1 - dampening), nesterov: nesterov, negLR: -lr,
                     first: momentum != 0 && buffers[p.name] == nil)
      if momentum != 0 && k.first { buffers[p.name] = Tensor(zeros: p.shape) }
      let grad = p.grad!, n = p.value.count
      var buffer = momentum != 0 ? buffers.removeValue(forKey: p.name)! : Tensor(zeros: [0])
      precondition(momentum == 0 || buffer.count == n, "SGD state for '\(p.name)' has \(buffer.count) elements, the parameter \(n)")
      grad.data.withUnsafeBufferPointer { g in
        p.value.data.withUnsafeMutableBufferPointer { v in
          buffer.data.withUnsafeMutableBufferPointer { b in
            let ptrs = UnsafeSendable((g.baseAddress!, v.baseAddress!, momentum != 0 ? b.baseAddress : nil))  // (an empty array's base address is not nil)
            Parallel.forEach(n, grain: 1 << 15) { r in k.run(ptrs.pointer.0, ptrs.pointer.1, ptrs.pointer.2, r) }
          }
        }
      }
      if momentum != 0 { buffers[p.name] = buffer }
    }
  }

  /// The element loops, one per case so each is a plain auto-vectorising loop.
  private struct Kernel {
    let weightDecay: Float, momentum: Float, oneMinusDampening: Float, nesterov: Bool, negLR: Float, first: Bool

    @inline(__always)
    func run(_ g: UnsafePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>?, _ r: Range<Int>) {
      guard let b else {  // no momentum
        for i in r { p[i] = p[i] + negLR * (g[i] + weightDecay * p[i]) }
        return
      }
      if first {
        for i in r {
          let d = g[i] + weightDecay * p[i]
          b[i] = d
          p[i] = p[i] + negLR * (nesterov ? d + momentum * d : d)
        }
      } else {
        for i in r {
          let d = g[i] + weightDecay * p[i]
          let buf = b[i] * momentum + oneMinusDampening * d
          b[i] = buf
          p[i] = p[i] + negLR * (nesterov ? d + momentum * buf : buf)
        }
      }
    }
  }

  /// `<name>.momentum_buffer` for every parameter with a buffer (none without momentum).
  public func stateTensors() -> [(name: String, tensor: Tensor)] {
    buffers.keys.sorted().map { ("\($0).momentum_buffer", buffers[$0]!) }
  }

  /// `optimizer`, `momentum`, `dampening`, `weight_decay`, `nesterov`.
  public var stateMetadata: [String: String] {
    ["optimizer": kind, "momentum": "\(momentum)", "dampening": "\(dampening)", "weight_decay": "\(weightDecay)",
     "nesterov": "\(nesterov)"]
  }

  /// See `Optimizer.loadState(from:)`.
  public func loadState(from file: SafeTensorsFile) throws {
    buffers = try OptimizerStateFile.read(file, kind: kind, fields: ["momentum_buffer"]).mapValues { $0["momentum_buffer"]! }
  }

  /// See `Optimizer.resetState()`.
  public func resetState() { buffers = [:] }
}
