import CLIP
import Foundation
import Layers
import SafeTensors
import Tensors

/// What every parameter-efficient method implements, so the trainer, checkpoints and the few-shot
/// harness treat LoRA, visual prompts, adapters, prompt contexts and heads alike.
///
/// A method is applied by its own factory (`LoRA.apply`, `VisualPrompts.apply`, …), which freezes
/// what it does not train and plugs its modules into the model's slots; the model never learns
/// which method is active.
public protocol PEFTMethod: AnyObject {
  /// The method's name as `--method` spells it (`lora`, `vpt-deep`, `clip-adapter`, …).
  var methodName: String { get }
  /// Every trainable tensor under the key it is saved with (`prompt_embeddings`,
  /// `adapter.fc1.weight`, `base_model.model.….lora_A.weight`, …), in a stable order, each once.
  var namedTensors: [(key: String, parameter: Parameter)] { get }
  /// The random stream the method's dropout draws from, if it has one (a checkpoint saves its state).
  var dropoutStream: DropoutRNG? { get }
  /// True when the method changes what the vision tower and visual projection compute, so the
  /// projected image features cannot be computed once and cached (feature modules after the
  /// projection, as CLIP-Adapter's, do not count: they run on the cached features).
  var changesImageTower: Bool { get }
  /// True when the method changes what the text tower and text projection compute (CoOp's
  /// contexts, text LoRA), so a text classifier cannot be computed once.
  var changesTextTower: Bool { get }
}

extension PEFTMethod {
  /// The trainable tensors (what an optimiser updates).
  public var trainableParameters: [Parameter] { namedTensors.map(\.parameter) }

  /// Writes every tensor of `namedTensors` to a safetensors file (atomically), with `metadata`.
  public func saveTensors(to url: URL, metadata: [String: String] = [:]) throws {
    try SafeTensorsWriter.write(namedTensors.map { ($0.key, $0.parameter.value) },
                                metadata: metadata.merging(["method": methodName]) { a, _ in a }, to: url)
  }

  /// Reads every tensor of `namedTensors` from a safetensors file, checking that each key is there
  /// with the shape the method has; nothing changes unless all of them fit.
  public func loadTensors(from url: URL) throws {
    let file = try SafeTensorsFile(contentsOf: url)
    var values: [Tensor] = []
    for (key, parameter) in namedTensors {
      guard file.contains(key) else {
        throw PEFTError(file: url.path, "has no tensor '\(key)' (the \(methodName) method needs \(namedTensors.map(\.key).joined(separator: ", ")))")
      }
      let t = try file.tensor(key)
      guard t.shape == parameter.shape else {
        throw PEFTError(file: url.path, "tensor '\(key)' has shape \(t.shape); this \(methodName) setup needs \(parameter.shape)")
      }
      guard t.nonfiniteCount == 0 else { throw PEFTError(file: url.path, "tensor '\(key)' holds NaN or infinite values") }
      values.append(t)
    }
    for ((_, parameter), value) in zip(namedTensors, values) { parameter.value = value }
  }
}
