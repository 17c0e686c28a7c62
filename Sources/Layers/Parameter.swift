import Tensors

/// A named tensor of a model. `name` is the Hugging Face state-dict key
/// (`vision_model.encoder.layers.3.mlp.fc1.weight`): loading, saving, target-module matching and
/// trainable counts all go through it.
public final class Parameter: @unchecked Sendable {
  public let name: String
  public var value: Tensor
  /// Accumulated gradient; `nil` until a backward pass adds to it (and always for frozen parameters).
  public var grad: Tensor?
  public var trainable: Bool

  public init(_ name: String, _ value: Tensor, trainable: Bool = true) {
    self.name = name
    self.value = value
    self.trainable = trainable
  }

  public var shape: [Int] { value.shape }

  /// Runs `body` on the gradient buffer (zeros on first use) so it can add into it.
  /// Gradients accumulate (`+=`): micro-batches and shared weights add up until `zeroGradient()`.
  public func accumulateGradient(_ body: (UnsafeMutablePointer<Float>) -> Void) {
    if grad == nil { grad = Tensor(zeros: value.shape) }
    grad!.data.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
  }

  /// Runs `body` on the gradient buffer with the `beta` a GEMM writing it should use: 0 for the
  /// first contribution since `zeroGradient()` (the buffer is new and uninitialised, so `body` must
  /// overwrite every element), 1 when a gradient is already there (add into it). For kernels that
  /// write the whole gradient at once, this saves zero-filling it and reading the zeros back.
  public func writeOrAccumulateGradient(_ body: (UnsafeMutablePointer<Float>, _ beta: Float) -> Void) {
    let beta: Float = grad == nil ? 0 : 1
    if grad == nil { grad = Tensor(uninitialized: value.shape) }
    grad!.data.withUnsafeMutableBufferPointer { body($0.baseAddress!, beta) }
  }

  /// Drops the accumulated gradient.
  public func zeroGradient() { grad = nil }
}

/// Anything that owns parameters.
public protocol ParameterContainer: AnyObject {
  /// Every parameter, in a stable order.
  var parameters: [Parameter] { get }
}

extension ParameterContainer {
  /// True when any parameter here is trained (so backward must produce its gradients).
  public var hasTrainableParameters: Bool { parameters.contains { $0.trainable } }

  /// Freezes or unfreezes every parameter here.
  public func setTrainable(_ trainable: Bool) { for p in parameters { p.trainable = trainable } }
}
