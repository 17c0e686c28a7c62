import Foundation
import Layers
import SafeTensors
import Tensors

/// A first-order optimiser over named parameters, with PyTorch's semantics.
///
/// `step` updates every parameter that is trainable and has a gradient; the others are skipped
/// entirely, their state (per-parameter step counts included) untouched, as `torch.optim` skips
/// parameters whose `.grad` is None. State is keyed by parameter name, so a checkpoint restores it
/// onto a freshly built model: `stateTensors()` (+ `stateMetadata`) out, `loadState(from:)` in,
/// and training continues bit-identically.
public protocol Optimizer: AnyObject {
  /// The optimiser's name, recorded in checkpoint metadata ("AdamW", "Adam", "SGD").
  var kind: String { get }
  /// The learning rate `step(_:)` uses when none is given.
  var lr: Float { get set }
  /// One update of every trainable parameter that has a gradient, with learning rate `lr`.
  /// Gradients are read, not cleared (call `Parameter.zeroGradient()` before the next backward).
  func step(_ parameters: [Parameter], lr: Float)
  /// The whole state as named tensors `<parameter name>.<field>` (PyTorch's field names:
  /// `exp_avg`, `exp_avg_sq`, `step`, `momentum_buffer`), sorted by parameter name.
  func stateTensors() -> [(name: String, tensor: Tensor)]
  /// The optimiser's kind and hyperparameters, for a checkpoint's metadata (`optimizer` = `kind`).
  var stateMetadata: [String: String] { get }
  /// Replaces the whole state with the one in `file` (written from `stateTensors()`). Throws when
  /// the file holds another optimiser's state (its `optimizer` metadata) or malformed entries.
  func loadState(from file: SafeTensorsFile) throws
  /// Forgets all state (as a freshly built optimiser).
  func resetState()
}

extension Optimizer {
  /// One update with the optimiser's own `lr`.
  public func step(_ parameters: [Parameter]) { step(parameters, lr: lr) }

  /// Writes the state (tensors + metadata) to a safetensors file at `url`.
  public func saveState(to url: URL) throws {
    try SafeTensorsWriter.write(stateTensors(), metadata: stateMetadata, to: url)
  }

  /// Reads the state from the safetensors file at `url`.
  public func loadState(from url: URL) throws {
    try loadState(from: SafeTensorsFile(contentsOf: url))
  }

  /// Checks that every state entry belongs to one of `parameters` and has its shape, so a
  /// checkpoint from another model fails here with a clear message instead of at the next step.
  public func validateState(against parameters: [Parameter]) throws {
    let shapes = Dictionary(parameters.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
    for (name, tensor) in stateTensors() {
      let (owner, field) = OptimizerStateFile.split(name)
      guard field != "step" else { continue }
      guard let shape = shapes[owner] else {
        throw TrainingError("\(kind) state for '\(owner)', which is not among the \(parameters.count) parameters")
      }
      guard shape == tensor.shape else {
        throw TrainingError("\(kind) state '\(name)' has shape \(tensor.shape), parameter '\(owner)' has \(shape)")
      }
    }
  }
}

/// The parameters an optimiser step updates: trainable, with a gradient, each name once.
func updatableParameters(_ parameters: [Parameter]) -> [Parameter] {
  let chosen = parameters.filter { $0.trainable && $0.grad != nil }
  precondition(Set(chosen.map(\.name)).count == chosen.count, "optimiser state is keyed by name: parameter names must be unique")
  for p in chosen {
    precondition(p.grad!.count == p.value.count, "\(p.name): gradient \(p.grad!.shape) for value \(p.shape)")
  }
  return chosen
}
