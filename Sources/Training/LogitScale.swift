import Foundation
import Layers

/// Clamps CLIP's learned log-temperature in place to [min, max], as open_clip does after every
/// optimiser step of full fine-tuning (`logit_scale.clamp_(0, math.log(100))`): the logit
/// multiplier exp(logit_scale) then stays within [1, 100].
public func clampLogitScale(_ p: Parameter, min: Float = 0, max: Float = Float(Foundation.log(100.0))) {
  precondition(min <= max, "clampLogitScale: min \(min) > max \(max)")
  for i in p.value.data.indices {
    let v = p.value.data[i]
    // NaN stays NaN (as torch.clamp keeps it), so a diverged run is still detected.
    if v < min { p.value.data[i] = min } else if v > max { p.value.data[i] = max }
  }
}
