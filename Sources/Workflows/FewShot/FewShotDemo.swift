import CLIP
import Datasets
import Foundation
import Tensors
import Training

/// `cliptune demo fewshot`: the few-shot study on data it makes — a synthetic classification task
/// (`cliptune synth --task classification`) at the model's image size — with zero-shot and every
/// method at each shot count and seed, one sweep per method sharing a feature cache, then a
/// comparison report. Step counts and learning rates are set for a small model on 2 cores (a few
/// minutes in all), not the papers' GPU budgets; each is recorded in the sweeps' config.json.
public struct FewShotDemo {
  public struct Options: Equatable, Sendable {
    /// The CLIP folder to adapt (the retrieval demo's pretrained model, `demo-run/pretrain/model`).
    public var model: String
    public var output: String
    /// Shifted-domain colours: the base model knows four of the six colour words, so zero-shot is
    /// half right and there is room to adapt.
    public var factor: SyntheticFactor = .colour
    public var domain: SyntheticDomain = .shifted
    public var images = 1200
    public var seed: UInt64 = 0
    public var shots: [FewShotSampler.Shots] = [.perClass(1), .perClass(2), .perClass(4), .perClass(8), .perClass(16)]
    public var seeds: [UInt64] = [1, 2, 3]
    public var methods: [FewShotMethod] = FewShotMethod.allCases
    /// Optimiser steps of the methods that train on cached features (CLIP-Adapter, CoOp,
    /// Tip-Adapter-F; batch 32).
    public var steps = 60
    /// Optimiser steps of the methods that run the vision tower every step (VPT, LoRA; batch 16).
    public var towerSteps = 30

    public init(model: String, output: String) {
      self.model = model
      self.output = output
    }

    /// A configuration for the end-to-end test: fewer images, shots and steps.
    public static func quick(model: String, output: String) -> Options {
      var o = Options(model: model, output: output)
      o.images = 300
      o.shots = [.perClass(1), .perClass(4)]
      o.seeds = [1, 2]
      o.steps = 12
      o.towerSteps = 6
      return o
    }
  }

  public let options: Options

  public init(options: Options) { self.options = options }

  /// The sweep options of `method` in this demo.
  func sweepOptions(_ method: FewShotMethod, task: URL, folder: URL) -> FewShotOptions {
    var o = FewShotOptions(model: options.model, data: task.path, output: folder.appendingPathComponent(method.rawValue).path, method: method)
    o.shots = options.shots
    o.seeds = options.seeds
    o.seed = options.seed
    o.featureCache = folder.appendingPathComponent("feature-cache").path
    o.templates = ["a picture of a {}"]  // the captions' own phrasing ("a picture of a large yellow circle")
    guard method.trainsByGradient else { return o }
    o.optimizer = .adamw
    o.weightDecay = 0
    o.schedule = .cosine
    o.warmupSteps = 0
    o.maxSteps = method.keepsImageTower ? options.steps : options.towerSteps
    o.batchSize = method.keepsImageTower ? 32 : 16
    // Learning rates picked on seed 1 at 16 shots of this task; heads as each paper uses them.
    switch method {
    case .clipAdapter: o.learningRate = 3e-2
    case .coop: o.learningRate = 2e-2; o.ctxInit = "a picture of a"; o.classSpecificContext = true
    case .vptShallow, .vptDeep: o.learningRate = 2e-2; o.promptTokens = 8; o.head = .vision  // VPT trains a linear head
    case .lora: o.learningRate = 5e-3; o.loraRank = 4; o.loraAlpha = 8; o.loraDropout = 0
    case .tipAdapterF: o.learningRate = 1e-2
    default: break
    }
    return o
  }

  /// Synthesises the task (replacing an earlier demo's), runs every method, writes
  /// `results.json` (every method's summary) and `report.html` (all methods in one chart).
  public func run(progress: (String) -> Void = { _ in }) throws -> [FewShotResults] {
    let folder = URL(fileURLWithPath: options.output)
    let task = folder.appendingPathComponent("task")
    let state: OutputPath.FolderState
    do { state = try OutputPath.folderState(folder.path) } catch let error as OutputPathError { throw FewShotError(file: error.file, error.message) }
    if case .nonEmpty(let names) = state, !(names.contains("task") && names.contains(FewShotResults.fileName)) {
      throw FewShotError(file: folder.path, "is not empty and is not an earlier few-shot demo (found \(OutputPath.listing(names))); choose a new or empty --output")
    }
    let config = try CLIPConfig(contentsOf: URL(fileURLWithPath: options.model).appendingPathComponent("config.json")).vision
    var synth = SyntheticClassificationOptions()
    synth.imageCount = options.images
    synth.seed = options.seed
    synth.domain = options.domain
    synth.factor = options.factor
    synth.imageSize = config.imageSize
    progress("synthesise: a \(options.factor.rawValue) task of \(options.images) \(options.domain.rawValue) images at \(config.imageSize) px")
    try SyntheticClassification.write(to: task, options: synth)
    var all: [FewShotResults] = []
    for method in options.methods {
      let run = folder.appendingPathComponent(method.rawValue)
      if FileManager.default.fileExists(atPath: run.path) { try FileManager.default.removeItem(at: run) }
      progress("\(method.rawValue): \(method == .zeroShot ? 1 : options.shots.count * options.seeds.count) sub-runs")
      let sweep = try FewShotSweep(options: sweepOptions(method, task: task, folder: folder))
      all.append(try sweep.run())
    }
    try FewShotSweep.write(all, to: folder.appendingPathComponent(FewShotResults.fileName))
    try FewShotReport.write(all, to: folder.appendingPathComponent("report.html"), title: "ClipTune few-shot demo")
    return all
  }
}

extension FewShotDemo {
  /// A Markdown table: one row per method, test top-1 mean ± std per shot count.
  public static func table(_ results: [FewShotResults]) -> String {
    let shots = results.flatMap { $0.summary.map(\.shots) }.reduce(into: [FewShotSampler.Shots]()) { if !$0.contains($1) { $0.append($1) } }
    var lines = ["| method | " + shots.map { "\($0) shot\($0 == .perClass(1) ? "" : "s")" }.joined(separator: " | ") + " |",
                 "|---|" + shots.map { _ in "---:|" }.joined()]
    for r in results {
      let cells = shots.map { k -> String in
        guard let s = r.summary.first(where: { $0.shots == k }) ?? (r.method == .zeroShot ? r.summary.first : nil) else { return "–" }
        return String(format: "%.1f ± %.1f", s.acc1.mean, s.acc1.std)
      }
      lines.append("| \(r.method.rawValue) | " + cells.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n")
  }
}
