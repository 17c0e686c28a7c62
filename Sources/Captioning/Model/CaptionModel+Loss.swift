import Layers
import Tensors

extension CaptionModel {
  /// The teacher-forced cross-entropy of one batch, summed over its counted labels:
  /// pixels [B, ch, S, S] and `targets` (decoder inputs and labels [B, T]) → (Σ loss, labels counted).
  ///
  /// With `gradientScale` (a training forward), d(loss)/d(logits) is each counted label's
  /// softmax − onehot times `gradientScale`, and backward runs at once: `1 / count` gives the
  /// batch's token-weighted mean (what `VisionEncoderDecoderModel` returns as `loss`); for
  /// accumulation over micro-batches pass 1 / (labels of the whole step).
  public func teacherForcedLoss(_ pixels: Tensor, _ targets: TeacherForcing, gradientScale: Float? = nil) throws
    -> (sum: Double, count: Int) {
    let training = gradientScale != nil
    let logits = try forward(pixels, decoderInputs: targets.decoderInputs, training: training)  // [B, T, V]
    let labels = targets.labels.flatMap { $0 }
    guard let scale = gradientScale else { return CrossEntropyLoss.lossSum(logits: logits, labels: labels) }
    let count = targets.tokenCount
    var (mean, dLogits) = CrossEntropyLoss.lossAndGradient(logits: logits, labels: labels)
    if count > 0 {
      let rescale = scale * Float(count)  // lossAndGradient scaled by 1/count
      if rescale != 1 { dLogits.scale(by: rescale) }
      backward(dLogits)
    } else {
      mean = 0
    }
    return (Double(mean) * Double(count), count)
  }
}
