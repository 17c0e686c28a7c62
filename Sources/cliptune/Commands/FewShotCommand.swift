import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Tensors
import Training
import Workflows

/// `cliptune fewshot`: the few-shot study — one method over shots × seeds — and `fewshot compare`.
struct FewShotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fewshot",
    abstract: "Few-shot classification: train or fit one method over shot counts and seeds, or compare runs.",
    subcommands: [FewShotRunCommand.self, FewShotCompareCommand.self],
    defaultSubcommand: FewShotRunCommand.self)
}

struct FewShotRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run one method over --shots × --seeds on a classification task, writing a run folder.",
    discussion: """
      Methods: zero-shot, linear-probe, clip-adapter, vpt-shallow, vpt-deep, coop, tip-adapter,
      tip-adapter-f, lora. Data: an ImageFolder with train/ val/ test/, a VTAB-1k task folder, or a CSV
      with filepath,label[,split]. Each (shots, seed) gets a sub-folder with fewshot_draw.json,
      metrics.jsonl, weights.safetensors and result.json; the run folder gets config.json,
      results.json (mean ± std per shot count) and report.html. Settings left out take the method's
      paper defaults (docs/fewshot.md). --resume RUN_DIR keeps finished sub-runs and redoes the rest.
      """)
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Hugging Face CLIP folder.") var model: String?
  @Option(help: "ImageFolder (train/ val/ test/), VTAB-1k task folder, or CSV (filepath,label[,split]).") var data: String?
  @Option(help: "Class names, one per line (default: folder names, VTAB's classes.txt, or the CSV's names).") var classes: String?
  @Option(help: "VTAB-1k training pool: train800 (default) or train800val200.") var trainSplit: String?
  @Option(help: "Run folder to create.") var output: String?
  @Option(help: "Continue the sweep in this run folder.") var resume: String?

  @Option(help: "zero-shot, linear-probe, clip-adapter, vpt-shallow, vpt-deep, coop, tip-adapter, tip-adapter-f or lora.")
  var method: FewShotMethod?
  @Option(help: "vision-language (cosine with the class prompts) or vision (a linear head); default: the method's.") var head: FewShotHeadKind?
  @Option(help: "Shots per class, comma-separated (or all).") var shots: String = "1,2,4,8,16"
  @Option(help: "Seeds of the few-shot draws, comma-separated.") var seeds: String = "1,2,3"
  @Flag(help: "Sample with replacement when a class has fewer training images than --shots.") var repeatShots = false
  @Option(help: "Prompt templates file, one per line with {} (default: \"a photo of a {}.\").") var templates: String?

  @Option(help: "adamw, adam or sgd (default: the method's).") var optimizer: TrainingOptions.OptimizerKind?
  @Option(help: "Learning rate (default: the method's).") var lr: Double?
  @Option(help: "Weight decay (default: the method's; not on biases).") var weightDecay: Double?
  @Option(help: "SGD momentum (default: the method's).") var momentum: Double?
  @Option(help: "Epochs over the few-shot training set (default: the method's).") var epochs: Int?
  @Option(help: "Optimiser steps instead of epochs.") var maxSteps: Int?
  @Option(help: "Images per step (default: the method's).") var batchSize: Int?
  @Option(help: "cosine, step or constant (default: the method's).") var schedule: TrainingOptions.ScheduleKind?
  @Option(help: "Linear warmup steps (default: the method's).") var warmupSteps: Int?
  @Option(help: "none or crop-flip.") var augment: TrainingOptions.Augmentation = .none
  @Flag(help: "Keep the draw's order (no shuffling).") var noShuffle = false
  @Option(help: "Seed of the trainable tensors' init, order, augmentation and dropout (mixed with each draw's seed).") var seed: UInt64 = 0
  @Option(name: .customLong("init"), help: "Start the trainable tensors from this safetensors file.") var initWeights: String?
  @Option(help: "Evaluate on the validation split every N steps.") var evalEvery: Int?

  @Option(help: "CLIP-Adapter residual ratio α (default 0.2).") var adapterRatio: Double?
  @Flag(help: "CLIP-Adapter: also adapt the text features.") var textAdapter = false
  @Option(help: "VPT: prompt tokens (default 5).") var promptTokens: Int?
  @Option(help: "VPT: dropout on the prompts (default 0).") var promptDropout: Double?
  @Option(help: "CoOp: context vectors (default 16).") var nCtx: Int?
  @Option(help: "CoOp: initialise the context from this phrase (n-ctx = its token count).") var ctxInit: String?
  @Option(help: "CoOp: end, middle or front.") var classTokenPosition: String?
  @Flag(help: "CoOp: class-specific contexts.") var csc = false
  @Option(help: "Tip-Adapter: fix α instead of searching it on the validation split.") var tipAlpha: Double?
  @Option(help: "Tip-Adapter: fix β instead of searching it on the validation split.") var tipBeta: Double?
  @Option(help: "Linear probe: fix the inverse regularisation C instead of searching it.") var lpC: Double?
  @Option(help: "LoRA rank (default 2).") var loraRank: Int?
  @Option(help: "LoRA alpha (default 1; scaling α/√r as CLIP-LoRA).") var loraAlpha: Double?
  @Option(help: "LoRA dropout (default 0.25).") var loraDropout: Double?
  @Option(help: "LoRA target modules, comma-separated (default q_proj,k_proj,v_proj).") var loraTargets: String?

  @Option(help: "Cache image features in this folder (reused across runs, methods, shots and seeds).") var featureCache: String?
  @Flag(help: "Evaluate --weights instead of training.") var evalOnly = false
  @Option(help: "With --eval-only: the tensors to evaluate (a weights.safetensors).") var weights: String?

  func validate() throws {
    if resume == nil, model == nil || data == nil || output == nil || method == nil {
      throw ValidationError("give --model, --data, --method and --output (or --resume RUN_DIR)")
    }
  }

  func options() throws -> FewShotOptions {
    var o = FewShotOptions(model: model!, data: data!, output: output!, method: method!)
    o.classes = classes
    o.trainSplit = trainSplit
    o.head = head
    o.shots = try list(shots).map { s in
      guard let v = FewShotSampler.Shots(s) else { throw ValidationError("--shots takes positive integers or all, got '\(s)'") }
      return v
    }
    o.seeds = try list(seeds).map { s in
      guard let v = UInt64(s) else { throw ValidationError("--seeds takes non-negative integers, got '\(s)'") }
      return v
    }
    o.repeatShots = repeatShots
    if let templates { o.templates = try ZeroShot.loadTemplates(URL(fileURLWithPath: templates)) }
    o.optimizer = optimizer; o.learningRate = lr; o.weightDecay = weightDecay; o.momentum = momentum
    o.epochs = epochs; o.maxSteps = maxSteps; o.batchSize = batchSize; o.schedule = schedule; o.warmupSteps = warmupSteps
    o.augment = augment; o.shuffle = !noShuffle; o.seed = seed; o.initWeights = initWeights; o.evalEvery = evalEvery
    o.adapterRatio = adapterRatio; o.textAdapter = textAdapter; o.promptTokens = promptTokens; o.promptDropout = promptDropout
    o.contextLength = nCtx; o.ctxInit = ctxInit; o.classTokenPosition = classTokenPosition; o.classSpecificContext = csc
    o.tipAlpha = tipAlpha; o.tipBeta = tipBeta; o.linearProbeC = lpC
    o.loraRank = loraRank; o.loraAlpha = loraAlpha; o.loraDropout = loraDropout; o.loraTargets = loraTargets.map(list)
    o.featureCache = featureCache; o.evalOnly = evalOnly; o.weights = weights
    try o.validate()
    return o
  }

  private func list(_ s: String) -> [String] {
    s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
  }

  func run() throws {
    let sweep: FewShotSweep
    if let resume {
      let folder = URL(fileURLWithPath: resume)
      let recorded = try? JSONDecoder().decode(FewShotOptions.self, from: Data(contentsOf: folder.appendingPathComponent(FewShotSweep.configFile)))
      compute.apply(recordedThreads: recorded?.threads, recordedBackend: recorded?.computeBackend)
      sweep = try FewShotSweep.resume(folder)
    } else {
      compute.apply()
      sweep = try FewShotSweep(options: try options())
    }
    var bar: ProgressBar?
    var phase = ""
    let results = try sweep.run { p in
      if p.phase != phase || bar == nil {
        if !phase.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
        phase = p.phase
        if p.total == 0 { FileHandle.standardError.write(Data("\(p.phase)\n".utf8)); bar = nil; phase = ""; return }
        bar = ProgressBar(p.phase, total: p.total, unit: p.phase == "training" ? "step" : "img")
      }
      bar?.update(p.done, detail: p.loss.map { String(format: "loss %.4f", $0) } ?? "")
    }
    FileHandle.standardError.write(Data("\n".utf8))
    for s in results.summary {
      print(String(format: "%@ shots: top-1 %.2f ± %.2f, macro F1 %.2f ± %.2f (%d seeds)", "\(s.shots)", s.acc1.mean, s.acc1.std,
                   s.macroF1.mean, s.macroF1.std, s.seeds.count))
    }
    print("results: \(sweep.folder.appendingPathComponent(FewShotResults.fileName).path)")
    print("report:  \(sweep.folder.appendingPathComponent("report.html").path)")
  }
}

struct FewShotCompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Compare few-shot run folders: accuracy against shots, one line per run, in one report.")
  @Argument(help: "Run folders written by cliptune fewshot.") var runs: [String]
  @Option(help: "The HTML report to write.") var output: String

  func run() throws {
    guard !runs.isEmpty else { throw ValidationError("give at least one run folder") }
    let results = try runs.map { try FewShotResults.read(URL(fileURLWithPath: $0)) }
    try OutputPath.checkFile(output, inputs: runs.map { OutputPath.Input($0, role: "a run folder") })
    try FewShotReport.write(results, to: URL(fileURLWithPath: output))
    for r in results {
      let cells = r.summary.map { String(format: "%@: %.2f ± %.2f", "\($0.shots)", $0.acc1.mean, $0.acc1.std) }
      print("\(r.method.rawValue) (\(r.head.rawValue)): \(cells.joined(separator: ", "))")
    }
    print("report: \(output)")
  }
}

extension FewShotMethod: ExpressibleByArgument {}
extension FewShotHeadKind: ExpressibleByArgument {}
