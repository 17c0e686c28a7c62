import Datasets
import Foundation
import Layers
import Tensors
import Training

/// The resolved optimisation of one sub-run.
struct FewShotOptimization {
  var optimizer: TrainingOptions.OptimizerKind
  var learningRate: Double
  var weightDecay: Double
  var momentum: Double
  var eps: Double
  var batchSize: Int
  var schedule: TrainingOptions.ScheduleKind
  var totalSteps: Int
  var warmupSteps: Int
  var stepsPerEpoch: Int

  /// The command line's settings, else the method's defaults, for `count` training images drawn
  /// with `shots` per class.
  init(options: FewShotOptions, shots: FewShotSampler.Shots, count: Int) {
    let d = FewShotDefaults.of(options.method)
    optimizer = options.optimizer ?? d.optimizer
    learningRate = options.learningRate ?? d.learningRate
    weightDecay = options.weightDecay ?? d.weightDecay
    momentum = options.momentum ?? d.momentum
    eps = d.eps
    batchSize = options.batchSize ?? d.batchSize
    schedule = options.schedule ?? d.schedule
    stepsPerEpoch = max(1, (count + batchSize - 1) / batchSize)
    let k: Int
    switch shots {
    case .perClass(let n): k = n
    case .all: k = 16
    }
    if let maxSteps = options.maxSteps {
      totalSteps = maxSteps
    } else if let epochs = options.epochs {
      totalSteps = epochs * stepsPerEpoch
    } else if let steps = d.steps {
      totalSteps = steps(k)
    } else {
      totalSteps = d.epochs(k) * stepsPerEpoch
    }
    warmupSteps = options.warmupSteps ?? min(d.warmupEpochs * stepsPerEpoch, totalSteps / 2)
  }

  func makeOptimizer() -> Optimizer {
    let lr = Float(learningRate)
    switch optimizer {
    case .adamw: return AdamW(lr: lr, betas: (0.9, 0.999), eps: eps, weightDecay: weightDecay, decays: WeightDecay.openCLIP)
    case .adam: return Adam(lr: lr, betas: (0.9, 0.999), eps: eps, weightDecay: weightDecay, decays: WeightDecay.openCLIP)
    case .sgd: return SGD(lr: lr, momentum: momentum, weightDecay: weightDecay, decays: WeightDecay.openCLIP)
    }
  }

  func makeSchedule() -> LRSchedule {
    let decay: LRSchedule.Decay
    switch schedule {
    case .cosine: decay = .cosine(totalSteps: max(totalSteps, warmupSteps))
    case .constant: decay = .constant
    case .step: decay = .stepDecay(gamma: 0.1, everyEpochs: max(1, totalSteps / stepsPerEpoch / 3), stepsPerEpoch: stepsPerEpoch)
    }
    return LRSchedule(baseLR: Float(learningRate), warmupSteps: warmupSteps, decay: decay)
  }

  /// Recorded in the sub-run's result.
  var summary: [String: Double] {
    ["lr": learningRate, "weight_decay": weightDecay, "batch_size": Double(batchSize), "steps": Double(totalSteps),
     "warmup_steps": Double(warmupSteps)]
  }
}

/// The loop every gradient-trained method shares: epochs of (optionally shuffled) mini-batches over
/// the few-shot training set, a loss and its gradients from `step`, the optimiser, the schedule, a
/// guard against non-finite losses and gradients, and one metrics line per step.
struct FewShotTrainingLoop {
  let optimization: FewShotOptimization
  let parameters: [Parameter]
  let count: Int
  let shuffle: Bool
  let seed: UInt64
  let metrics: MetricsLog

  /// Runs `totalSteps` steps. `step(indices, epoch, positions)` computes the loss of the samples at
  /// `indices` (their `positions` within the epoch pick augmentation streams) and leaves gradients
  /// in `parameters`. `afterStep(step)` runs after each update (for periodic evaluation).
  func run(step: ([Int], Int, [Int]) throws -> Float, afterStep: (Int, Float) throws -> Void) throws -> Float? {
    let optimizer = optimization.makeOptimizer(), schedule = optimization.makeSchedule()
    let batch = optimization.batchSize, perEpoch = optimization.stepsPerEpoch
    var order: [Int] = [], orderEpoch = -1
    var last: Float?
    for s in 0..<optimization.totalSteps {
      let epoch = s / perEpoch, position = s % perEpoch
      if epoch != orderEpoch {
        var rng = SeedMixer.rng(seed, .fewShotOrder, epoch)
        order = shuffle ? SeedMixer.permutation(count, &rng) : Array(0..<count)
        orderEpoch = epoch
      }
      let positions = Array((position * batch)..<min(count, (position + 1) * batch))
      let loss = try step(positions.map { order[$0] }, epoch, positions)
      guard loss.isFinite, parameters.allSatisfy({ $0.grad?.data.allSatisfy(\.isFinite) ?? true }) else {
        throw FewShotError("the loss or a gradient became non-finite at step \(s + 1) (loss \(loss)); try a lower --lr")
      }
      let lr = schedule.learningRate(step: s)
      optimizer.step(parameters, lr: lr)
      for p in parameters { p.zeroGradient() }
      try metrics.append(.object([("step", .integer(s + 1)), ("epoch", .integer(epoch)), ("loss", .number(Double(loss))),
                                  ("lr", .number(Double(lr)))]))
      last = loss
      try afterStep(s + 1, loss)
    }
    return last
  }
}
