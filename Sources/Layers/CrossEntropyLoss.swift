import Foundation
import Tensors

/// Softmax cross-entropy, mean over the batch (PyTorch's `F.cross_entropy` with mean reduction):
/// loss = −(1/B) Σ_b log softmax(z_b)[y_b];  dz = (softmax(z) − onehot(y)) / B.
/// Row maxima are subtracted and sums accumulate in Double.
public enum CrossEntropyLoss {
  /// logits: [B, C], labels: B values in 0..<C → (loss, d loss/d logits [B, C]).
  public static func lossAndGradient(logits: Tensor, labels: [Int]) -> (loss: Float, gradient: Tensor) {
    let b = logits.shape[0], c = logits.shape[1]
    precondition(labels.count == b && labels.allSatisfy { (0..<c).contains($0) }, "cross-entropy: labels do not fit \(logits.shape)")
    var grad = Tensor(uninitialized: [b, c])
    var total: Double = 0
    for i in 0..<b {
      var m = -Float.infinity
      for j in 0..<c { m = max(m, logits.data[i * c + j]) }
      var sum: Double = 0
      for j in 0..<c { sum += Double(expf(logits.data[i * c + j] - m)) }
      let logSum = Double(m) + log(sum)
      total += logSum - Double(logits.data[i * c + labels[i]])
      for j in 0..<c {
        let p = Float(exp(Double(logits.data[i * c + j]) - logSum))
        grad.data[i * c + j] = (p - (j == labels[i] ? 1 : 0)) / Float(b)
      }
    }
    return (Float(total / Double(b)), grad)
  }
}
