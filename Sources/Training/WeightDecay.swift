import Layers

/// Which parameters get weight decay (PyTorch expresses this with parameter groups).
public enum WeightDecay {
  /// Every parameter decays.
  public static func all(_ p: Parameter) -> Bool { true }

  /// open_clip's rule: no decay for gains, biases and the logit scale
  /// (`p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n`).
  public static func openCLIP(_ p: Parameter) -> Bool {
    let n = p.name
    return !(p.shape.count < 2 || n.contains("bn") || n.contains("ln") || n.contains("bias") || n.contains("logit_scale"))
  }
}
