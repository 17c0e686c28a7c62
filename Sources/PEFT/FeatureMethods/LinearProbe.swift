import Foundation
import Tensors

/// Settings of a linear-probe fit; the defaults are what CoOp's `lpclip/linear_probe.py` passes to
/// sklearn (`LogisticRegression(solver="lbfgs", max_iter=1000, penalty="l2", C=…)`, default tol).
public struct LinearProbeOptions: Codable, Equatable, Sendable {
  /// sklearn's `tol`, passed to L-BFGS-B as `gtol`: stop when max |∂L/∂θ| ≤ tolerance.
  public var tolerance: Double = 1e-4
  /// sklearn's `max_iter` (L-BFGS-B's `maxiter`).
  public var maxIterations: Int = 1000
  /// L2-normalise every feature row before fitting (and before `logits`). Off by default: the
  /// probe fits the features as given, as the reproduction does.
  public var normalizeFeatures: Bool = false

  public init(tolerance: Double = 1e-4, maxIterations: Int = 1000, normalizeFeatures: Bool = false) {
    self.tolerance = tolerance
    self.maxIterations = maxIterations
    self.normalizeFeatures = normalizeFeatures
  }

  /// The L-BFGS settings sklearn's lbfgs solver uses: memory 10, `gtol = tol`,
  /// `ftol = 64 · ε`, `maxiter = max_iter`, `maxls = 50`, scipy's default `maxfun = 15000`.
  var solver: LBFGS {
    LBFGS(memory: 10, gradientTolerance: tolerance, functionTolerance: 64 * Double.ulpOfOne,
          maxIterations: maxIterations, maxEvaluations: 15000, maxLineSearchEvaluations: 50)
  }
}

/// A linear classifier fitted on frozen features: logits = x Wᵀ + b (the `Linear` layout, saved as
/// `head.weight` [classes, dim] and `head.bias` [classes]).
public struct LinearProbeHead: Sendable {
  /// W, [classes, dim].
  public var weight: Tensor
  /// b, [classes].
  public var bias: Tensor
  /// The inverse regularisation strength it was fitted with.
  public var C: Double
  /// Whether inputs are L2-normalised before the product (`LinearProbeOptions.normalizeFeatures`).
  public var normalizesFeatures: Bool
  /// The objective at the solution, its largest gradient component, L-BFGS iterations, and why
  /// it stopped (`.maxIterations` is sklearn's "lbfgs failed to converge" warning).
  public var loss: Double, gradientMaxNorm: Double
  public var iterations: Int
  public var stop: LBFGSStop
  /// [W, b] in Double as the solver left them; predictions use these.
  let parameters: [Double]

  public var classes: Int { weight.shape[0] }
  public var dim: Int { weight.shape[1] }

  /// x Wᵀ + b for features [N, dim] (normalised first when the head was fitted that way),
  /// computed in Double and rounded. Throws `PEFTError` for a shape that does not fit or
  /// non-finite features.
  public func logits(_ features: Tensor) throws -> Tensor {
    try check(features)
    return Tensor(shape: [features.shape[0], classes], data: scores(features).map(Float.init))
  }

  /// The highest-scoring class of each row (ties: the lower class index, as sklearn's argmax).
  public func predict(_ features: Tensor) throws -> [Int] {
    try check(features)
    return predictChecked(features)
  }

  /// `predict` on features already validated.
  func predictChecked(_ features: Tensor) -> [Int] {
    let s = scores(features)
    return (0..<features.shape[0]).map { r in
      var best = 0
      for c in 1..<classes where s[r * classes + c] > s[r * classes + best] { best = c }
      return best
    }
  }

  private func check(_ features: Tensor) throws {
    try FeatureInputs.checkMatrix(features, "features")
    guard features.shape[1] == dim else {
      throw PEFTError("features are \(features.shape[1])-dimensional, the head expects \(dim)")
    }
  }

  /// [N, classes] scores in Double (inputs already validated).
  func scores(_ features: Tensor) -> [Double] {
    let x = normalizesFeatures ? features.l2NormalizedRows() : features
    let n = x.shape[0], (k, d) = (classes, dim)
    let xd = x.data.map(Double.init)
    var z = [Double](repeating: 0, count: n * k)
    xd.withUnsafeBufferPointer { xp in
      parameters.withUnsafeBufferPointer { w in
        z.withUnsafeMutableBufferPointer { zp in
          BLAS.dgemm(transB: true, m: n, n: k, k: d, a: xp.baseAddress!, lda: d, b: w.baseAddress!, ldb: d,
                     c: zp.baseAddress!, ldc: k)
          for i in 0..<n { for c in 0..<k { zp[i * k + c] += w[k * d + c] } }
        }
      }
    }
    return z
  }
}

/// Linear probe: L2-regularised multinomial logistic regression on frozen image features, fitted
/// to the same optimum as scikit-learn's `LogisticRegression(C=C, solver="lbfgs")` — the CLIP
/// paper's linear-probe protocol as CoOp's `lpclip/linear_probe.py` reproduces it.
///
/// Objective (`MultinomialLogisticLoss`), with intercept, intercept unpenalised:
///
///     min_{W,b}  (1/n) Σ_i −log softmax(W x_i + b)_{y_i}  +  1/(2·C·n) · ‖W‖²_F
///
/// minimised by `LBFGS` from W = 0, b = 0 with sklearn's solver settings
/// (`LinearProbeOptions.solver`). Starting from zero keeps Σ_c b_c = 0 (every step is a combination
/// of gradients, whose intercept parts sum to zero), which pins down the intercepts the softmax
/// alone leaves free up to a constant — sklearn's zero start does the same.
///
/// Two classes: sklearn then fits the binomial model p(1|x) = σ(wᵀx + β) with penalty ‖w‖²/(2Cn).
/// The two-row multinomial model with C/2 has the same optimum (u₁ = −u₀ = w/2, b₁ = −b₀ = β/2:
/// its penalty (‖u₀‖² + ‖u₁‖²)/(2·(C/2)·n) equals ‖w‖²/(2Cn)), so that is what is fitted; sklearn's
/// `coef_` is W[1] − W[0] and its `intercept_` b[1] − b[0]. (Only the stopping test, applied to
/// the two-row parameters, differs.)
public enum LinearProbe {
  /// Fits a head on features [N, D] with labels in 0..<classes (every class needs at least one
  /// sample, at least two classes) for inverse regularisation strength `C` > 0.
  /// Throws `PEFTError` for input that does not fit.
  public static func fit(features: Tensor, labels: [Int], classes: Int, C: Double,
                         options: LinearProbeOptions = LinearProbeOptions()) throws -> LinearProbeHead {
    try checkTraining(features, labels, classes: classes)
    try checkOptions(options)
    guard C.isFinite && C > 0 else { throw PEFTError("C must be a positive number, got \(C)") }
    return fitChecked(options.normalizeFeatures ? features.l2NormalizedRows() : features, labels,
                      classes: classes, C: C, options: options)
  }

  /// `fit` on inputs already validated (and normalised when asked).
  static func fitChecked(_ features: Tensor, _ labels: [Int], classes: Int, C: Double,
                         options: LinearProbeOptions) -> LinearProbeHead {
    let loss = MultinomialLogisticLoss(features: features, labels: labels, classes: classes,
                                       C: classes == 2 ? C / 2 : C)
    let result = options.solver.minimize(from: [Double](repeating: 0, count: loss.parameterCount)) { x, g in
      loss.value(x, gradient: &g)
    }
    let d = features.shape[1]
    return LinearProbeHead(
      weight: Tensor(shape: [classes, d], data: result.x[0..<(classes * d)].map(Float.init)),
      bias: Tensor(shape: [classes], data: result.x[(classes * d)...].map(Float.init)),
      C: C, normalizesFeatures: options.normalizeFeatures, loss: result.value,
      gradientMaxNorm: result.gradientMaxNorm, iterations: result.iterations, stop: result.stop,
      parameters: result.x)
  }

  static func checkTraining(_ features: Tensor, _ labels: [Int], classes: Int) throws {
    guard classes >= 2 else { throw PEFTError("a linear probe needs at least 2 classes, got \(classes)") }
    try FeatureInputs.check(features, labels, classes: classes, "training")
    var seen = [Bool](repeating: false, count: classes)
    for label in labels { seen[label] = true }
    if let missing = seen.firstIndex(of: false) {
      throw PEFTError("class \(missing) has no training features (every class needs at least one)")
    }
  }

  static func checkOptions(_ options: LinearProbeOptions) throws {
    guard options.tolerance.isFinite && options.tolerance >= 0 else {
      throw PEFTError("tolerance must be a non-negative number, got \(options.tolerance)")
    }
    guard options.maxIterations >= 1 else { throw PEFTError("maxIterations must be at least 1, got \(options.maxIterations)") }
  }
}
