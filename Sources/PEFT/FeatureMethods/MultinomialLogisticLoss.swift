import Foundation
import Tensors

/// The L2-regularised multinomial logistic-regression objective that scikit-learn's
/// `LogisticRegression(C=C, solver="lbfgs")` minimises for three or more classes (sklearn ≥ 1.5:
/// `_logistic_regression_path` passes `l2_reg_strength = 1 / (C · n)` to `LinearModelLoss`, whose
/// loss is the mean of `HalfMultinomialLoss` plus `l2_reg_strength / 2 · ‖W‖²`):
///
///     L(W, b) = (1/n) Σ_i [ log Σ_c exp(z_ic) − z_{i,y_i} ]  +  1/(2·C·n) · ‖W‖²_F,    z_i = W x_i + b
///
///     ∇_W L = (1/n) (P − Y)ᵀ X + W / (C·n),      ∇_b L = (1/n) Σ_i (p_i − y_i)
///
/// with P the row softmax of Z and Y the one-hot labels; the intercept b is not penalised.
/// (That is sklearn's `C · Σ loss + ½‖W‖²` divided by C·n, so the minimiser is the same.)
/// Parameters are packed as [W row-major [classes, dim], b [classes]]; everything is Double, the two
/// products go through `BLAS.dgemm`.
public struct MultinomialLogisticLoss: Sendable {
  /// x_i as rows, [samples, dim].
  public let features: [Double]
  public let labels: [Int]
  public let samples: Int, dim: Int, classes: Int
  /// 1 / (C · n).
  public let l2Strength: Double

  /// Preconditions (callers validate user input first): features [n, D] with n > 0, labels in
  /// 0..<classes, C > 0.
  public init(features: Tensor, labels: [Int], classes: Int, C: Double) {
    precondition(features.rank == 2 && labels.count == features.shape[0] && features.shape[0] > 0 && C > 0)
    self.features = features.data.map(Double.init)
    self.labels = labels
    samples = features.shape[0]
    dim = features.shape[1]
    self.classes = classes
    l2Strength = 1 / (C * Double(samples))
  }

  /// Number of packed parameters, classes · (dim + 1).
  public var parameterCount: Int { classes * (dim + 1) }

  /// L at `parameters`; writes ∇L into `gradient` (resized if needed).
  public func value(_ parameters: [Double], gradient: inout [Double]) -> Double {
    precondition(parameters.count == parameterCount)
    if gradient.count != parameterCount { gradient = [Double](repeating: 0, count: parameterCount) }
    let (n, d, k) = (samples, dim, classes)
    let weightCount = k * d
    var z = [Double](repeating: 0, count: n * k)   // [n, classes]: logits, then (P − Y) / n
    var total = 0.0
    features.withUnsafeBufferPointer { x in
      parameters.withUnsafeBufferPointer { w in
        z.withUnsafeMutableBufferPointer { zp in
          BLAS.dgemm(transB: true, m: n, n: k, k: d, a: x.baseAddress!, lda: d, b: w.baseAddress!, ldb: d,
                     c: zp.baseAddress!, ldc: k)
          for i in 0..<n {
            let row = zp.baseAddress! + i * k
            var top = -Double.infinity
            for c in 0..<k {
              row[c] += w[weightCount + c]
              top = max(top, row[c])
            }
            var sum = 0.0
            for c in 0..<k { sum += exp(row[c] - top) }
            let logSum = top + log(sum)
            total += logSum - row[labels[i]]
            for c in 0..<k { row[c] = exp(row[c] - logSum) / Double(n) }
            row[labels[i]] -= 1 / Double(n)
          }
        }
      }
      gradient.withUnsafeMutableBufferPointer { gp in
        z.withUnsafeBufferPointer { zp in
          // ∇_W = (P − Y)ᵀ X / n   [classes, dim]
          BLAS.dgemm(transA: true, m: k, n: d, k: n, a: zp.baseAddress!, lda: k, b: x.baseAddress!, ldb: d,
                     c: gp.baseAddress!, ldc: d)
          for c in 0..<k {
            var s = 0.0
            for i in 0..<n { s += zp[i * k + c] }
            gp[weightCount + c] = s
          }
        }
      }
    }
    var squaredNorm = 0.0
    for j in 0..<weightCount {
      squaredNorm += parameters[j] * parameters[j]
      gradient[j] += l2Strength * parameters[j]
    }
    return total / Double(n) + 0.5 * l2Strength * squaredNorm
  }
}
