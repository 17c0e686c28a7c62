import Datasets
import Foundation
import Tensors
import Training

/// `cliptune fewshot`: every (shots, seed) sub-run of one method on one task, in a run folder:
/// `config.json` (the resolved options), one sub-folder per sub-run (`shots4_seed1/` with its draw,
/// metrics, tensors and `result.json`), `results.json` (every sub-run, mean ± std per shot count)
/// and `report.html`. The folder is locked while the sweep runs. `resume` keeps every finished
/// sub-run and redoes the others from their start (a sub-run is deterministic, so the results are
/// those of an uninterrupted sweep).
public final class FewShotSweep {
  public let options: FewShotOptions
  public let folder: URL
  let dataset: ClassificationDataset
  /// Sub-runs found finished in the folder (on resume).
  private var finished: [String: FewShotSubRunResult] = [:]

  public static let configFile = "config.json"

  /// Checks the options, the model and the task before anything is written; then creates and locks
  /// the run folder (new or empty) and writes config.json.
  public convenience init(options: FewShotOptions) throws {
    var options = options
    options.model = Self.absolute(options.model)
    options.data = Self.absolute(options.data)
    options.output = Self.absolute(options.output)
    options.classes = options.classes.map(Self.absolute)
    options.initWeights = options.initWeights.map(Self.absolute)
    options.weights = options.weights.map(Self.absolute)
    options.featureCache = options.featureCache.map(Self.absolute)
    options.threads = ComputeContext.threads
    options.computeBackend = ComputeContext.backend
    try options.validate()
    let dataset = try Self.loadTask(options)
    if !options.evalOnly && options.method != .zeroShot {  // every draw is possible (a class may be too small)
      do {
        for shots in options.shots { for seed in options.seeds { _ = try FewShotSampler.draw(from: dataset, shots: shots, seed: seed, repeat: options.repeatShots) } }
      } catch let error as DatasetError where !options.repeatShots {
        throw FewShotError(file: error.file, "\(error.message); --repeat-shots samples such classes with replacement")
      }
    }
    let folder = URL(fileURLWithPath: options.output)
    try Self.checkNewRunFolder(folder)
    do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
      throw FewShotError(file: folder.path, "cannot create the run folder: \(error.localizedDescription)")
    }
    try RunLock.acquire(folder)
    try Self.checkNewRunFolder(folder)
    self.init(options: options, dataset: dataset, folder: folder)
    try Self.writeConfig(options, to: folder)
  }

  private init(options: FewShotOptions, dataset: ClassificationDataset, folder: URL) {
    self.options = options
    self.dataset = dataset
    self.folder = folder
  }

  /// Continues the sweep in `folder` with the settings of its config.json.
  public static func resume(_ folder: URL) throws -> FewShotSweep {
    let url = folder.appendingPathComponent(configFile)
    guard InputFile.kind(url.path) != nil else { throw FewShotError(file: folder.path, "no few-shot run to resume here (config.json is missing)") }
    try RunLock.acquire(folder)
    let data: Data
    do { data = try InputFile.read(url.path, what: "run config", limit: 16 << 20) } catch let error as InputFileError {
      throw FewShotError(file: error.file, error.message)
    }
    let options: FewShotOptions
    do { options = try JSONDecoder().decode(FewShotOptions.self, from: data) } catch {
      throw FewShotError(file: url.path, "not a cliptune fewshot run config: \(error)")
    }
    do { try options.validate() } catch let error as TrainingError {
      throw FewShotError(file: url.path, "holds a setting out of range: \(error.message)")
    }
    let sweep = FewShotSweep(options: options, dataset: try loadTask(options), folder: folder)
    for (shots, seed) in sweep.plan {
      let name = FewShotSubRun.folderName(shots: shots, seed: seed)
      if let result = FewShotSubRun.read(folder.appendingPathComponent(name)), result.shots == shots, result.seed == seed {
        sweep.finished[name] = result
      }
    }
    return sweep
  }

  /// The (shots, seed) pairs, shots outer; one pair for `--eval-only` and for zero-shot (which
  /// neither draws nor trains).
  var plan: [(FewShotSampler.Shots, UInt64)] {
    if options.evalOnly || options.method == .zeroShot { return [(options.shots[0], options.seeds[0])] }
    return options.shots.flatMap { shots in options.seeds.map { (shots, $0) } }
  }

  /// Runs every sub-run not yet finished, then writes results.json and report.html.
  @discardableResult
  public func run(progress: ((FewShotProgress) -> Void)? = nil) throws -> FewShotResults {
    let context = try FewShotContext(options: options, dataset: dataset, progress: progress)
    var results: [FewShotSubRunResult] = []
    for (i, (shots, seed)) in plan.enumerated() {
      let name = FewShotSubRun.folderName(shots: shots, seed: seed)
      if let done = finished[name] { results.append(done); continue }
      progress?(FewShotProgress(phase: "sub-run \(i + 1)/\(plan.count): \(shots) shots, seed \(seed)", done: 0, total: 0))
      let sub = folder.appendingPathComponent(name)
      try? FileManager.default.removeItem(at: sub)  // an unfinished sub-run of this sweep starts over
      do { try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true) } catch {
        throw FewShotError(file: sub.path, "cannot create the sub-run folder: \(error.localizedDescription)")
      }
      results.append(try FewShotSubRun(context: context, shots: shots, seed: seed, folder: sub).run())
    }
    var all = FewShotResults(options: options, classNames: dataset.classNames, subRuns: results, encodedImages: context.store.encodedCount)
    if !finished.isEmpty, let earlier = try? FewShotResults.read(folder) { all.encodedImages += earlier.encodedImages }
    try Self.write(all, to: folder.appendingPathComponent(FewShotResults.fileName))
    try FewShotReport.write([all], to: folder.appendingPathComponent("report.html"))
    return all
  }

  // MARK: - Checks and files

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).standardized.path
  }

  static func loadTask(_ options: FewShotOptions) throws -> ClassificationDataset {
    let dataset = try ClassificationDataset.load(URL(fileURLWithPath: options.data), classNamesFile: options.classes.map { URL(fileURLWithPath: $0) },
                                                 trainSplit: options.trainSplit)
    guard !dataset.test.isEmpty else { throw FewShotError(file: options.data, "has no test split to evaluate on") }
    guard dataset.classNames.count >= 2 else { throw FewShotError(file: options.data, "has \(dataset.classNames.count) class; classification needs at least 2") }
    return dataset
  }

  static func checkNewRunFolder(_ folder: URL) throws {
    let state: OutputPath.FolderState
    do { state = try OutputPath.folderState(folder.path, ignoring: [RunLock.fileName]) } catch let error as OutputPathError {
      throw FewShotError(file: error.file, error.message)
    }
    guard case .nonEmpty(let names) = state else { return }
    if names.contains(configFile) {
      throw FewShotError(file: folder.path, "already holds a run; use --resume \(folder.path) to continue it, or choose another --output")
    }
    throw FewShotError(file: folder.path, "is not empty and is not a cliptune run folder (found \(OutputPath.listing(names))); choose a new or empty --output")
  }

  static func writeConfig(_ options: FewShotOptions, to folder: URL) throws {
    try write(options, to: folder.appendingPathComponent(configFile))
  }

  static func write<T: Encodable>(_ value: T, to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do { try encoder.encode(value).write(to: url, options: .atomic) } catch {
      throw FewShotError(file: url.path, "cannot write: \(error.localizedDescription)")
    }
  }
}
