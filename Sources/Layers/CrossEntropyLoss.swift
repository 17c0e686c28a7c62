import Foundation
import Tensors

/// Softmax cross-entropy, mean over the counted rows (PyTorch's `F.cross_entropy` with mean
/// reduction and `ignore_index`):
/// loss = −(1/N) Σ_{r counted} log softmax(z_r)[y_r];  dz_r = (softmax(z_r) − onehot(y_r)) / N,
/// N the number of rows whose label is not `ignoreIndex` (ignored rows: zero gradient). The
/// captioner's teacher-forced loss is this over every (caption, position), i.e. the token-weighted
/// mean. Row maxima are subtracted and sums accumulate in Double (`CrossEntropyKernel`).
public enum CrossEntropyLoss {
  /// PyTorch's default `ignore_index`.
  public static let ignoreIndex = -100

  /// logits: [..., C] (rows = count / C), labels: one per row, each in 0..<C or `ignoreIndex` →
  /// (loss, d loss/d logits shaped like logits). With no counted row the loss is NaN, as PyTorch's.
  public static func lossAndGradient(logits: Tensor, labels: [Int], ignoreIndex: Int = CrossEntropyLoss.ignoreIndex)
    -> (loss: Float, gradient: Tensor) {
    let c = logits.shape.last ?? 0, rows = c == 0 ? 0 : logits.count / c
    precondition(labels.count == rows && labels.allSatisfy { (0..<c).contains($0) || $0 == ignoreIndex },
                 "cross-entropy: labels do not fit \(logits.shape)")
    let counted = labels.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
    var grad = Tensor(uninitialized: logits.shape)
    let total = logits.data.withUnsafeBufferPointer { z in
      labels.withUnsafeBufferPointer { y in
        grad.data.withUnsafeMutableBufferPointer { g in
          CrossEntropyKernel.lossAndGradient(logits: z.baseAddress!, rows: rows, classes: c, labels: y.baseAddress!,
                                             ignoreIndex: ignoreIndex, gradient: g.baseAddress!,
                                             gradientScale: counted == 0 ? 0 : 1 / Float(counted))
        }
      }
    }
    return (counted == 0 ? .nan : Float(total / Double(counted)), grad)
  }

  /// The loss alone (no gradient buffer): (sum over counted rows, counted rows), for means over
  /// many batches.
  public static func lossSum(logits: Tensor, labels: [Int], ignoreIndex: Int = CrossEntropyLoss.ignoreIndex)
    -> (sum: Double, count: Int) {
    let c = logits.shape.last ?? 0, rows = c == 0 ? 0 : logits.count / c
    precondition(labels.count == rows && labels.allSatisfy { (0..<c).contains($0) || $0 == ignoreIndex },
                 "cross-entropy: labels do not fit \(logits.shape)")
    let total = logits.data.withUnsafeBufferPointer { z in
      labels.withUnsafeBufferPointer { y in
        CrossEntropyKernel.lossAndGradient(logits: z.baseAddress!, rows: rows, classes: c, labels: y.baseAddress!,
                                           ignoreIndex: ignoreIndex, gradient: nil, gradientScale: 0)
      }
    }
    return (total, labels.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) })
  }
}
