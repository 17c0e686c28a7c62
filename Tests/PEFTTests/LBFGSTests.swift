import Foundation
import PEFT
import Tensors
import TestSupport
import Testing

/// The solver and the objective under the linear probe: LBFGS against scipy's L-BFGS-B on the
/// Rosenbrock function (Tests/Fixtures/fewshot/linear_probe.json), and the gradient of
/// MultinomialLogisticLoss against central finite differences.
struct LBFGSTests {
  struct Run: Decodable {
    struct Options: Decodable { let gtol: Double?; let ftol: Double?; let maxls: Int? }
    let x0: [Double]; let options: Options; let nit: Int; let nfev: Int; let x: [Double]; let fun: Double
  }
  struct Info: Decodable { let rosenbrock: [Run] }

  /// scipy.optimize.rosen and rosen_der.
  static func rosenbrock(_ x: [Double], _ g: inout [Double]) -> Double {
    var f = 0.0
    for i in g.indices { g[i] = 0 }
    for i in 0..<(x.count - 1) {
      let a = x[i + 1] - x[i] * x[i], b = 1 - x[i]
      f += 100 * a * a + b * b
      g[i] += -400 * x[i] * a - 2 * b
      g[i + 1] += 200 * a
    }
    return f
  }

  @Test func followsScipysLBFGSBOnRosenbrock() throws {
    let info = try JSONDecoder().decode(Info.self, from: Data(contentsOf: Fixtures.url("fewshot/linear_probe.json")))
    for run in info.rosenbrock {
      var solver = LBFGS()
      if let gtol = run.options.gtol { solver.gradientTolerance = gtol }
      if let ftol = run.options.ftol { solver.functionTolerance = ftol }
      if let maxls = run.options.maxls { solver.maxLineSearchEvaluations = maxls }
      let r = solver.minimize(from: run.x0, Self.rosenbrock)
      print("Rosenbrock from \(run.x0): \(r.iterations) iterations, \(r.evaluations) evaluations (scipy \(run.nit), \(run.nfev)); stop \(r.stop)")
      #expect(r.converged)
      #expect(r.iterations == run.nit && r.evaluations == run.nfev)
      #expect(mismatches(r.x, run.x, tolerance: 1e-9) == nil)
      #expect(abs(r.value - run.fun) <= 1e-12)
    }
  }

  @Test func stopsAtTheIterationLimitAndOnAGradientThatIsAlreadySmall() {
    let capped = LBFGS(maxIterations: 5).minimize(from: [-1.2, 1], Self.rosenbrock)
    #expect(capped.stop == .maxIterations && capped.iterations == 5 && !capped.converged)
    let atMinimum = LBFGS().minimize(from: [1, 1], Self.rosenbrock)
    #expect(atMinimum.stop == .gradientTolerance && atMinimum.iterations == 0 && atMinimum.evaluations == 1)
  }

  @Test func minimisesAnIllConditionedQuadratic() {
    // f = ½ Σ κ_i (x_i − i)², κ from 1 to 1e4: the minimiser is x_i = i.
    let kappa = (0..<20).map { pow(10, 4 * Double($0) / 19) }
    let r = LBFGS(gradientTolerance: 1e-10, functionTolerance: 0).minimize(from: [Double](repeating: 0, count: 20)) { x, g in
      var f = 0.0
      for i in x.indices { let d = x[i] - Double(i); f += 0.5 * kappa[i] * d * d; g[i] = kappa[i] * d }
      return f
    }
    #expect(r.stop == .gradientTolerance)
    #expect(mismatches(r.x, (0..<20).map(Double.init), tolerance: 1e-9) == nil)
  }

  @Test("logistic loss gradient matches central differences", arguments: [(3, 4, 7, 0.5), (5, 16, 30, 1e-3), (2, 3, 5, 100.0)])
  func lossGradientMatchesFiniteDifferences(classes: Int, dim: Int, samples: Int, C: Double) {
    var rng = SeededRNG(seed: UInt64(classes * 100 + dim))
    let x = Tensor(shape: [samples, dim], data: (0..<(samples * dim)).map { _ in rng.normal() })
    let labels = (0..<samples).map { $0 % classes }
    let loss = MultinomialLogisticLoss(features: x, labels: labels, classes: classes, C: C)
    let theta = (0..<loss.parameterCount).map { _ in Double(rng.normal()) * 0.7 }
    var gradient: [Double] = []
    _ = loss.value(theta, gradient: &gradient)
    var scratch: [Double] = []
    let h = 1e-6
    let numeric = theta.indices.map { j -> Double in
      var plus = theta, minus = theta
      plus[j] += h; minus[j] -= h
      return (loss.value(plus, gradient: &scratch) - loss.value(minus, gradient: &scratch)) / (2 * h)
    }
    #expect(mismatches(gradient, numeric, tolerance: 1e-7, relative: true) == nil)
  }

  @Test func lossIsTheMeanLogLossPlusTheScaledPenalty() {
    // One sample per class, W = 0: every softmax is uniform, so L = log(classes) + 0 penalty;
    // then W = I (3×3), b = 0 on x = e_i: L = log(e + 2) − 1 + ‖I‖²/(2·C·n).
    let x = Tensor(shape: [3, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1])
    let loss = MultinomialLogisticLoss(features: x, labels: [0, 1, 2], classes: 3, C: 2)
    var g: [Double] = []
    #expect(abs(loss.value([Double](repeating: 0, count: 12), gradient: &g) - log(3)) < 1e-15)
    let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]
    #expect(abs(loss.value(identity, gradient: &g) - (log(exp(1) + 2) - 1 + 3 / (2 * 2 * 3.0))) < 1e-14)
  }
}
