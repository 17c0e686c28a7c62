/// Why `LBFGS.minimize` stopped.
public enum LBFGSStop: String, Codable, Sendable {
  /// max_i |∂f/∂x_i| ≤ gradientTolerance (scipy's `gtol`/`pgtol` test).
  case gradientTolerance = "gradient_tolerance"
  /// (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ functionTolerance (scipy's `ftol` test).
  case functionTolerance = "function_tolerance"
  /// `maxIterations` iterations were taken (scipy's `maxiter`; sklearn warns "failed to converge").
  case maxIterations = "max_iterations"
  /// More than `maxEvaluations` evaluations of f were made (scipy's `maxfun`).
  case maxEvaluations = "max_evaluations"
  /// The line search found no acceptable step along the steepest-descent direction.
  case lineSearchFailed = "line_search_failed"
}

/// The outcome of `LBFGS.minimize`.
public struct LBFGSResult: Sendable {
  /// The last accepted point.
  public var x: [Double]
  /// f(x).
  public var value: Double
  /// max_i |∂f/∂x_i| at x.
  public var gradientMaxNorm: Double
  /// Accepted steps (scipy's `nit`).
  public var iterations: Int
  /// Evaluations of f and ∇f (scipy's `nfev`).
  public var evaluations: Int
  public var stop: LBFGSStop
  /// True when a tolerance test stopped it (what scipy reports as success).
  public var converged: Bool { stop == .gradientTolerance || stop == .functionTolerance }
}

/// Unconstrained limited-memory BFGS in double precision, following scipy's L-BFGS-B
/// (`scipy.optimize.minimize(method="L-BFGS-B")`) with no bounds:
///
/// - direction d_k = −H_k g_k, where H_k is the inverse-BFGS matrix of the last `memory` pairs
///   (s_i = x_{i+1} − x_i, y_i = g_{i+1} − g_i) on H⁰ = (sᵀy / yᵀy) I of the newest pair
///   (L-BFGS-B's compact form with B⁰ = θI, θ = yᵀy / sᵀy; computed here by the two-loop recursion,
///   which gives the same step); d_0 = −g_0;
/// - Moré–Thuente line search (`MoreThuenteLineSearch`: ftol 1e-3, gtol 0.9, xtol 0.1), first
///   trial step 1/‖d_0‖₂ on the first iteration and 1 afterwards, at most `maxLineSearchEvaluations`;
/// - a pair is skipped when sᵀy ≤ ε · (−sᵀg_k) (ε = machine epsilon);
/// - when a line search fails the memory is dropped and the iteration restarts along −g; a failure
///   with empty memory ends the run (`.lineSearchFailed`);
/// - stopping rules in scipy's order: after each accepted step, iterations ≥ maxIterations,
///   evaluations > maxEvaluations, max|g| ≤ gradientTolerance (also tested at x_0), then
///   (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ functionTolerance.
///
/// The defaults are scipy's `minimize` defaults; `LinearProbe` sets sklearn's.
public struct LBFGS: Sendable {
  /// Pairs kept (scipy's `maxcor`).
  public var memory: Int
  /// scipy's `gtol` (`pgtol`).
  public var gradientTolerance: Double
  /// scipy's `ftol` (= factr · ε).
  public var functionTolerance: Double
  /// scipy's `maxiter`.
  public var maxIterations: Int
  /// scipy's `maxfun`.
  public var maxEvaluations: Int
  /// scipy's `maxls`.
  public var maxLineSearchEvaluations: Int

  public init(memory: Int = 10, gradientTolerance: Double = 1e-5, functionTolerance: Double = 2.220446049250313e-09,
              maxIterations: Int = 15000, maxEvaluations: Int = 15000, maxLineSearchEvaluations: Int = 20) {
    self.memory = memory
    self.gradientTolerance = gradientTolerance
    self.functionTolerance = functionTolerance
    self.maxIterations = maxIterations
    self.maxEvaluations = maxEvaluations
    self.maxLineSearchEvaluations = maxLineSearchEvaluations
  }

  /// Minimises f from `x0`. `objective(x, &gradient)` returns f(x) and writes ∇f(x) into
  /// `gradient` (already sized like x).
  public func minimize(from x0: [Double], _ objective: (_ x: [Double], _ gradient: inout [Double]) -> Double) -> LBFGSResult {
    precondition(memory > 0 && maxIterations >= 0 && maxLineSearchEvaluations > 0)
    let n = x0.count
    var x = x0, g = [Double](repeating: 0, count: n)
    var f = objective(x, &g)
    var evaluations = 1, iterations = 0
    func finish(_ stop: LBFGSStop) -> LBFGSResult {
      LBFGSResult(x: x, value: f, gradientMaxNorm: Self.maxNorm(g), iterations: iterations,
                  evaluations: evaluations, stop: stop)
    }
    if Self.maxNorm(g) <= gradientTolerance { return finish(.gradientTolerance) }

    var pairs: [(s: [Double], y: [Double], sy: Double)] = []   // oldest first
    var theta = 1.0                                           // B⁰ = θ I
    var xTrial = x, gTrial = g, fTrial = f
    let search = MoreThuenteLineSearch(maxEvaluations: maxLineSearchEvaluations)

    while true {
      let d = pairs.isEmpty ? g.map { -$0 } : Self.direction(g, pairs, theta: theta)
      let gd = Self.dot(g, d)
      var step = 0.0, failed = !(gd < 0)
      if !failed {
        let first = iterations == 0 ? min(1 / Self.dot(d, d).squareRoot(), search.stepMax) : 1
        let (s, outcome, _) = search.search(f0: f, g0: gd, initialStep: first) { stp in
          for i in 0..<n { xTrial[i] = stp * d[i] + x[i] }
          fTrial = objective(xTrial, &gTrial)
          evaluations += 1
          return (fTrial, Self.dot(gTrial, d))
        }
        step = s
        failed = outcome == .tooManyEvaluations
      }
      if failed {
        // x, f, g are still the line search's start. Drop the memory and retry along −g.
        if pairs.isEmpty { return finish(.lineSearchFailed) }
        pairs.removeAll()
        theta = 1
        continue
      }

      let fOld = f, gdOld = gd, gdNew = Self.dot(gTrial, d)
      var y = gTrial
      for i in 0..<n { y[i] -= g[i] }
      swap(&x, &xTrial); swap(&g, &gTrial); f = fTrial
      iterations += 1

      if iterations >= maxIterations { return finish(.maxIterations) }
      if evaluations > maxEvaluations { return finish(.maxEvaluations) }
      if Self.maxNorm(g) <= gradientTolerance { return finish(.gradientTolerance) }
      if fOld - f <= functionTolerance * max(abs(fOld), abs(f), 1) { return finish(.functionTolerance) }

      let sy = (gdNew - gdOld) * step, curvatureScale = -gdOld * step   // sᵀy and −sᵀg_k
      if sy <= Double.ulpOfOne * curvatureScale { continue }             // skip the update
      pairs.append((s: d.map { $0 * step }, y: y, sy: sy))
      if pairs.count > memory { pairs.removeFirst() }
      theta = Self.dot(y, y) / sy
    }
  }

  /// −H g by the two-loop recursion, H⁰ = I / θ.
  static func direction(_ g: [Double], _ pairs: [(s: [Double], y: [Double], sy: Double)], theta: Double) -> [Double] {
    var q = g
    var alphas = [Double](repeating: 0, count: pairs.count)
    for i in pairs.indices.reversed() {
      alphas[i] = dot(pairs[i].s, q) / pairs[i].sy
      for j in q.indices { q[j] -= alphas[i] * pairs[i].y[j] }
    }
    for j in q.indices { q[j] /= theta }
    for i in pairs.indices {
      let beta = dot(pairs[i].y, q) / pairs[i].sy
      for j in q.indices { q[j] += (alphas[i] - beta) * pairs[i].s[j] }
    }
    for j in q.indices { q[j] = -q[j] }
    return q
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
  }

  static func maxNorm(_ a: [Double]) -> Double {
    var m = 0.0
    for v in a {
      if v.isNaN { return .nan }
      m = max(m, abs(v))
    }
    return m
  }
}
