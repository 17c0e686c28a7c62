import Tensors

/// A named tensor of a model. `name` is the Hugging Face state-dict key
/// (`vision_model.encoder.layers.3.mlp.fc1.weight`): loading, saving, target-module matching and
/// trainable counts all go through it.
public final class Parameter: @unchecked Sendable {
  public let name: String
  public var value: Tensor
  /// Accumulated gradient; `nil` while nothing has been accumulated (and always for frozen parameters).
  public var grad: Tensor?
  public var trainable: Bool

  public init(_ name: String, _ value: Tensor, trainable: Bool = true) {
    self.name = name
    self.value = value
    self.trainable = trainable
  }

  public var shape: [Int] { value.shape }
}

/// Anything that owns parameters.
public protocol ParameterContainer: AnyObject {
  /// Every parameter, in a stable order.
  var parameters: [Parameter] { get }
}
