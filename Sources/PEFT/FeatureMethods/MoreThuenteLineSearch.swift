/// The Moré–Thuente line search (MINPACK-2 `dcsrch`/`dcstep`, J. J. Moré and D. J. Thuente, "Line
/// search algorithms with guaranteed sufficient decrease", ACM TOMS 20, 1994), with the constants
/// L-BFGS-B uses: it looks for a step `stp` along a descent direction with
///
///     φ(stp) ≤ φ(0) + ftol · stp · φ'(0)      (sufficient decrease, ftol = 1e-3)
///     |φ'(stp)| ≤ gtol · |φ'(0)|              (strong Wolfe curvature, gtol = 0.9)
///
/// safeguarding cubic/quadratic interpolation steps inside a bracketing interval (xtol = 0.1
/// relative width, extrapolation between 1.1 and 4 times the last step before a bracket exists).
/// Like L-BFGS-B, a step that ends with a warning (rounding errors, interval below xtol, step at
/// its bound) is returned as accepted; the caller's convergence tests sort it out.
struct MoreThuenteLineSearch {
  var ftol = 1e-3, gtol = 0.9, xtol = 0.1
  var stepMin = 0.0, stepMax = 1e10
  /// Most evaluations of φ in one search (scipy's `maxls`; sklearn passes 50).
  var maxEvaluations = 50

  enum Outcome: Equatable {
    /// The Wolfe conditions hold at the returned step.
    case converged
    /// No further progress is possible (L-BFGS-B accepts the last point anyway).
    case warning
    /// `maxEvaluations` were used up without an acceptable point.
    case tooManyEvaluations
  }

  /// Searches from φ(0) = `f0`, φ'(0) = `g0` < 0 starting at `initialStep`. `evaluate(stp)` returns
  /// φ(stp) and φ'(stp) (and is where the caller keeps the point it evaluated). Returns the last step
  /// evaluated, how the search ended and the number of evaluations.
  func search(f0: Double, g0: Double, initialStep: Double,
              evaluate: (Double) -> (f: Double, g: Double)) -> (step: Double, outcome: Outcome, evaluations: Int) {
    precondition(g0 < 0 && initialStep >= stepMin && initialStep <= stepMax)
    let xtrapl = 1.1, xtrapu = 4.0
    let gtest = ftol * g0
    var bracketed = false, stage = 1
    var width = stepMax - stepMin, width1 = width / 0.5
    // (stx, fx, gx): the best step so far; (sty, fy, gy): the other end of the interval.
    var stx = 0.0, fx = f0, gx = g0
    var sty = 0.0, fy = f0, gy = g0
    var stp = initialStep
    var stmin = 0.0, stmax = stp + xtrapu * stp
    var evaluations = 0

    while true {
      if evaluations >= maxEvaluations { return (stp, .tooManyEvaluations, evaluations) }
      let (f, g) = evaluate(stp)
      evaluations += 1
      // Outside MINPACK: a non-finite value (the step overshot into overflow) halves the step
      // towards the best point instead of interpolating with infinities.
      guard f.isFinite && g.isFinite else { stp = stx + 0.5 * (stp - stx); continue }

      let ftest = f0 + stp * gtest
      if stage == 1 && f <= ftest && g >= 0 { stage = 2 }
      var done: Outcome? = nil
      if bracketed && (stp <= stmin || stp >= stmax) { done = .warning }
      if bracketed && stmax - stmin <= xtol * stmax { done = .warning }
      if stp == stepMax && f <= ftest && g <= gtest { done = .warning }
      if stp == stepMin && (f > ftest || g >= gtest) { done = .warning }
      if f <= ftest && abs(g) <= gtol * -g0 { done = .converged }
      if let done { return (stp, done, evaluations) }

      if stage == 1 && f <= fx && f > ftest {
        // A lower value without sufficient decrease: step on the modified function ψ = φ − stp·gtest.
        var fxm = fx - stx * gtest, fym = fy - sty * gtest
        var gxm = gx - gtest, gym = gy - gtest
        Self.step(&stx, &fxm, &gxm, &sty, &fym, &gym, &stp, f - stp * gtest, g - gtest, &bracketed, stmin, stmax)
        fx = fxm + stx * gtest; fy = fym + sty * gtest
        gx = gxm + gtest; gy = gym + gtest
      } else {
        Self.step(&stx, &fx, &gx, &sty, &fy, &gy, &stp, f, g, &bracketed, stmin, stmax)
      }

      if bracketed {
        if abs(sty - stx) >= 0.66 * width1 { stp = stx + 0.5 * (sty - stx) }   // bisect when too slow
        width1 = width
        width = abs(sty - stx)
        stmin = min(stx, sty); stmax = max(stx, sty)
      } else {
        stmin = stp + xtrapl * (stp - stx); stmax = stp + xtrapu * (stp - stx)
      }
      stp = min(max(stp, stepMin), stepMax)
      if bracketed && (stp <= stmin || stp >= stmax || stmax - stmin <= xtol * stmax) { stp = stx }
    }
  }

  /// One safeguarded trial step (`dcstep`): updates the interval [stx, sty] that contains a step
  /// satisfying the conditions, from the new point (stp, fp, dp), and writes the next trial to stp.
  private static func step(_ stx: inout Double, _ fx: inout Double, _ dx: inout Double,
                           _ sty: inout Double, _ fy: inout Double, _ dy: inout Double,
                           _ stp: inout Double, _ fp: Double, _ dp: Double,
                           _ bracketed: inout Bool, _ stpmin: Double, _ stpmax: Double) {
    let sgnd = dp * (dx / abs(dx))
    var stpf: Double
    if fp > fx {
      // Higher value: the minimum is bracketed. Cubic step if closer to stx, else cubic/quadratic mean.
      let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
      let s = max(abs(theta), abs(dx), abs(dp))
      var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
      if stp < stx { gamma = -gamma }
      let p = (gamma - dx) + theta, q = ((gamma - dx) + gamma) + dp
      let stpc = stx + (p / q) * (stp - stx)
      let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx)
      stpf = abs(stpc - stx) < abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2
      bracketed = true
    } else if sgnd < 0 {
      // Lower value, derivatives of opposite sign: bracketed. The farther of cubic and secant steps.
      let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
      let s = max(abs(theta), abs(dx), abs(dp))
      var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
      if stp > stx { gamma = -gamma }
      let p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dx
      let stpc = stp + (p / q) * (stx - stp)
      let stpq = stp + (dp / (dp - dx)) * (stx - stp)
      stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
      bracketed = true
    } else if abs(dp) < abs(dx) {
      // Lower value, same-sign derivatives shrinking in magnitude.
      let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
      let s = max(abs(theta), abs(dx), abs(dp))
      var gamma = s * max(0, (theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
      if stp > stx { gamma = -gamma }
      let p = (gamma - dp) + theta, q = (gamma + (dx - dp)) + gamma
      let r = p / q
      let stpc = r < 0 && gamma != 0 ? stp + r * (stx - stp) : (stp > stx ? stpmax : stpmin)
      let stpq = stp + (dp / (dp - dx)) * (stx - stp)
      if bracketed {
        stpf = abs(stpc - stp) < abs(stpq - stp) ? stpc : stpq
        stpf = stp > stx ? min(stp + 0.66 * (sty - stp), stpf) : max(stp + 0.66 * (sty - stp), stpf)
      } else {
        stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
        stpf = max(stpmin, min(stpmax, stpf))
      }
    } else {
      // Lower value, same-sign derivatives not shrinking: cubic step inside a bracket, else a bound.
      if bracketed {
        let theta = 3 * (fp - fy) / (sty - stp) + dy + dp
        let s = max(abs(theta), abs(dy), abs(dp))
        var gamma = s * ((theta / s) * (theta / s) - (dy / s) * (dp / s)).squareRoot()
        if stp > sty { gamma = -gamma }
        let p = (gamma - dp) + theta, q = ((gamma - dp) + gamma) + dy
        stpf = stp + (p / q) * (sty - stp)
      } else {
        stpf = stp > stx ? stpmax : stpmin
      }
    }
    // Update the interval that contains a minimiser.
    if fp > fx {
      sty = stp; fy = fp; dy = dp
    } else {
      if sgnd < 0 { sty = stx; fy = fx; dy = dx }
      stx = stp; fx = fp; dx = dp
    }
    stp = stpf
  }
}
