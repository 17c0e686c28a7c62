import CLIP
import Datasets
import Evaluation
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors

/// Progress of a run, reported after every optimiser step.
public struct TrainingProgress: Sendable {
  public var step: Int
  public var totalSteps: Int
  public var epoch: Int
  public var loss: Float
  public var pairsPerSecond: Double
  public var elapsed: Double
}

/// What a finished run produced.
public struct TrainingSummary {
  public var steps: Int
  public var finalLoss: Float?
  /// Retrieval evaluations (contrastive runs; empty for captioning), oldest first.
  public var evaluations: [EvaluationRecord]
  /// The latest evaluation in one line, for the console.
  public var lastEvaluation: String?
  /// The PEFT adapter folder (LoRA) or merged HF model folder (full fine-tuning).
  public var output: URL
  public var report: URL
}

/// Fine-tuning (LoRA or full) of a CLIP for retrieval or of a captioner (`TrainingObjective`),
/// writing a run folder:
/// `config.json` (every resolved setting), `metrics.jsonl`, `checkpoints/`, the final `adapter/`
/// (PEFT format) or `model/` (merged HF checkpoint), and `report.html`.
public final class Trainer {
  let setup: TrainingSetup
  public let runFolder: URL
  private(set) var metrics: MetricsLog
  let checkpoints: CheckpointStore
  /// Optimiser steps taken.
  public internal(set) var step = 0
  var lastLoss: Float?
  /// Seconds of training before this process (restored from a checkpoint on resume).
  var elapsedBefore: Double = 0
  /// When this process's `run` started.
  var runStarted = Date()

  /// Starts a new run in `options.output`, which must be new or empty (a `.lock` alone does not
  /// count). Every option, the model and the data are checked before the folder is created, so a
  /// refused run leaves nothing behind. Paths are stored absolute in config.json, so `--resume`
  /// works from any working directory. The folder stays locked (`RunLock`) for this process's life.
  public convenience init(options: TrainingOptions) throws {
    let options = options.withAbsolutePaths().withComputeRecorded()
    try options.validate()
    let folder = URL(fileURLWithPath: options.output)
    try Self.checkNewRunFolder(folder)
    let setup = try TrainingSetup(options)
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
      throw TrainingError(file: folder.path, "cannot create the run folder: \(error.localizedDescription)")
    }
    try RunLock.acquire(folder)
    try Self.checkNewRunFolder(folder)  // again, under the lock
    try self.init(setup: setup, folder: folder)
    try Self.writeConfig(options, to: folder)
  }

  /// Refuses a `--output` that is a file or device, that holds a run, or that holds anything else.
  static func checkNewRunFolder(_ folder: URL) throws {
    let state: OutputPath.FolderState
    do { state = try OutputPath.folderState(folder.path, ignoring: [RunLock.fileName]) } catch let error as OutputPathError {
      throw TrainingError(file: error.file, error.message)
    }
    guard case .nonEmpty(let names) = state else { return }
    let config = folder.appendingPathComponent("config.json")
    if names.contains("config.json"), let data = try? InputFile.read(config.path, what: "run config", limit: 16 << 20),
       (try? JSONDecoder().decode(TrainingOptions.self, from: data)) != nil {
      throw TrainingError(file: folder.path, "already holds a run; use --resume \(folder.path) to continue it, or choose another --output")
    }
    throw TrainingError(file: folder.path, "is not empty and is not a cliptune run folder (found \(OutputPath.listing(names))); choose a new or empty --output")
  }

  /// The compute settings a run folder's config.json recorded (nil fields for runs written before
  /// they were recorded, or when the config cannot be read; `resume` reports the latter).
  public static func recordedCompute(_ folder: URL) -> (threads: Int?, backend: String?) {
    let url = folder.appendingPathComponent("config.json")
    guard let data = try? InputFile.read(url.path, what: "run config", limit: 16 << 20),
          let options = try? JSONDecoder().decode(TrainingOptions.self, from: data) else { return (nil, nil) }
    return (options.threads, options.computeBackend)
  }

  /// Continues the run in `folder` from its latest checkpoint (or from the start if it has none),
  /// with the settings in its `config.json`. Every field of the checkpoint is checked against the
  /// run's settings and tensors before it is used.
  public static func resume(_ folder: URL) throws -> Trainer {
    guard InputFile.kind(folder.path) == .directory else {
      throw TrainingError(file: folder.path, "no such run folder")
    }
    let configURL = folder.appendingPathComponent("config.json")
    guard InputFile.kind(configURL.path) != nil else {
      throw TrainingError(file: configURL.path, "no run to resume here (config.json is missing)")
    }
    try RunLock.acquire(folder)
    let data: Data
    do { data = try InputFile.read(configURL.path, what: "run config", limit: 16 << 20) } catch let error as InputFileError {
      throw TrainingError(file: error.file, error.message)
    }
    let options: TrainingOptions
    do { options = try JSONDecoder().decode(TrainingOptions.self, from: data) } catch {
      throw TrainingError(file: configURL.path, "not a ClipTune run config: \(error)")
    }
    do { try options.validate() } catch let error as TrainingError {
      throw TrainingError(file: configURL.path, "holds a setting out of range: \(error.message)")
    }
    let trainer = try Trainer(setup: try TrainingSetup(options), folder: folder)
    if let checkpoint = try trainer.checkpoints.latestChecked() { try trainer.restore(from: checkpoint) }
    // The truncation replaces the file, so the log is reopened on the new one.
    try MetricsLog.truncate(trainer.metrics.url, keepingThroughStep: trainer.step)
    trainer.metrics = try MetricsLog(url: trainer.metrics.url)
    return trainer
  }

  private init(setup: TrainingSetup, folder: URL) throws {
    self.setup = setup
    runFolder = folder
    checkpoints = CheckpointStore(folder: folder.appendingPathComponent("checkpoints"), keep: setup.options.keepCheckpoints)
    metrics = try MetricsLog(url: folder.appendingPathComponent("metrics.jsonl"))
  }

  static func writeConfig(_ options: TrainingOptions, to folder: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do { try encoder.encode(options).write(to: folder.appendingPathComponent("config.json"), options: .atomic) } catch {
      throw TrainingError(file: folder.appendingPathComponent("config.json").path, "cannot write: \(error.localizedDescription)")
    }
  }

  public var options: TrainingOptions { setup.options }
  public var totalSteps: Int { setup.totalSteps }
  /// The model being trained (a `CLIPModel` or a `CaptionModel`).
  public var model: LoRAHost { setup.objective.model }
  /// PEFT's trainable-parameter line for this run's model.
  public var trainableSummary: String { setup.summary.description }

  /// Trains until `totalSteps`, evaluating every `evalEvery` steps and at the end, saving a
  /// checkpoint every `saveEvery` steps and at the end, then writes the final weights and report.
  public func run(progress: ((TrainingProgress) -> Void)? = nil) throws -> TrainingSummary {
    runStarted = Date()
    var pairs = 0
    if step == 0, setup.validation != nil, options.evalEvery != nil || setup.objective.evaluatesBeforeTraining { try evaluate() }
    while step < totalSteps {
      let t0 = Date()
      let micro = try (0..<options.accumulate).map { _ in try setup.batches.next() }
      let epoch = micro[0].position.epoch
      let loss = try setup.objective.accumulateGradients(micro, options: options, dropoutRNG: setup.dropoutRNG)
      guard loss.isFinite, gradientsAreFinite(setup.trainable) else { throw nonFinite(loss: loss, epoch: epoch) }
      let norm = options.gradientClip.map { clipGradientNorm(setup.trainable, maxNorm: Float($0)) } ?? gradientNorm(setup.trainable)
      let lr = setup.schedule.learningRate(step: step)
      setup.optimizer.step(setup.trainable, lr: lr)
      for p in setup.trainable { p.zeroGradient() }
      setup.objective.afterOptimizerStep()
      step += 1
      lastLoss = loss
      let seconds = Date().timeIntervalSince(t0)
      let stepPairs = micro.reduce(0) { $0 + $1.count }
      pairs += stepPairs
      try metrics.append(.object([
        ("step", .integer(step)), ("epoch", .integer(epoch)), ("loss", .number(Double(loss))), ("lr", .number(Double(lr))),
        ("seconds", .number(seconds)), ("pairs_per_s", .number(Double(stepPairs) / seconds)),
        ("grad_norm", .number(Double(norm))),
      ] + setup.objective.stepMetrics))
      let elapsed = Date().timeIntervalSince(runStarted)
      progress?(TrainingProgress(step: step, totalSteps: totalSteps, epoch: epoch, loss: loss,
                                 pairsPerSecond: Double(pairs) / max(elapsed, 1e-9), elapsed: elapsedBefore + elapsed))
      if let every = options.evalEvery, step % every == 0, step < totalSteps, setup.validation != nil { try evaluate() }
      if step % options.saveEvery == 0 || step == totalSteps { try saveCheckpoint() }
    }
    if setup.validation != nil { try evaluate() }
    let output = try writeFinalWeights()
    let report = try writeReport()
    setup.batches.close()
    return TrainingSummary(steps: step, finalLoss: lastLoss, evaluations: (setup.objective as? ContrastiveObjective)?.records ?? [],
                           lastEvaluation: setup.objective.lastEvaluationLine, output: output, report: report)
  }

  private func nonFinite(loss: Float, epoch: Int) -> TrainingError {
    let checkpoint = checkpoints.latest().map { "the last good checkpoint is \($0.path) (resume with --resume \(runFolder.path))" }
      ?? "no checkpoint was written yet"
    let what = loss.isFinite ? "a gradient became \(Float.nan) or infinite" : "the loss became \(loss)"
    return TrainingError("\(what) at step \(step + 1) (epoch \(epoch)); stopping. Nothing of this step was applied; \(checkpoint). Try a lower --lr or --grad-clip.")
  }

  /// Evaluates on the validation split and logs it.
  func evaluate() throws {
    guard let dataset = setup.validation else { throw TrainingError("no validation split") }
    try metrics.append(try setup.objective.evaluate(dataset, split: options.valSplit ?? "val", step: step, options: options,
                                                    runFolder: runFolder))
  }

  /// Writes the final adapter (LoRA, PEFT format) or merged model (full) into the run folder.
  func writeFinalWeights() throws -> URL {
    if let adapter = setup.adapter {
      let url = runFolder.appendingPathComponent("adapter")
      try adapter.save(to: url)
      return url
    }
    let url = runFolder.appendingPathComponent("model")
    // A model/ left by an earlier finish of this run (resumed again) is this run's own.
    if FileManager.default.fileExists(atPath: url.path) { try? FileManager.default.removeItem(at: url) }
    try MergedCheckpoint.write(model, to: url, copyingFrom: URL(fileURLWithPath: options.model))
    return url
  }
}
