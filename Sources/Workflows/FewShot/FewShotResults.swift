import Datasets
import Evaluation
import Foundation
import Tensors

/// What one (shots, seed) sub-run produced (its folder's `result.json`).
public struct FewShotSubRunResult: Codable, Equatable, Sendable {
  public var shots: FewShotSampler.Shots
  public var seed: UInt64
  /// The sub-run's folder, relative to the run folder (`shots4_seed1`).
  public var folder: String
  public var trainImages: Int
  public var steps: Int
  public var finalLoss: Double?
  /// Validation metrics at the end (nil when the task has no validation split).
  public var val: ClassificationResult?
  public var test: ClassificationResult
  /// Values chosen on the validation split or fixed by flags: `C` (linear probe), `tip_alpha`,
  /// `tip_beta` (Tip-Adapter).
  public var chosen: [String: Double]
  public var seconds: Double

  /// Every field given (the sweep fills them in; tests and other tools build them by hand).
  public init(shots: FewShotSampler.Shots, seed: UInt64, folder: String, trainImages: Int, steps: Int, finalLoss: Double?,
              val: ClassificationResult?, test: ClassificationResult, chosen: [String: Double], seconds: Double) {
    self.shots = shots
    self.seed = seed
    self.folder = folder
    self.trainImages = trainImages
    self.steps = steps
    self.finalLoss = finalLoss
    self.val = val
    self.test = test
    self.chosen = chosen
    self.seconds = seconds
  }

  enum CodingKeys: String, CodingKey {
    case shots, seed, folder, steps, val, test, chosen, seconds
    case trainImages = "train_images", finalLoss = "final_loss"
  }
}

/// Mean and standard deviation over seeds (population std, ddof 0, as CoOp's parse_test_res).
public struct MeanStd: Codable, Equatable, Sendable {
  public var mean: Double
  public var std: Double

  public init(_ values: [Double]) {
    let n = Double(max(values.count, 1))
    let m = values.reduce(0, +) / n
    mean = m
    std = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / n).squareRoot()
  }
}

/// The test metrics of every seed at one shot count.
public struct FewShotShotSummary: Codable, Equatable, Sendable {
  public var shots: FewShotSampler.Shots
  public var seeds: [UInt64]
  public var acc1: MeanStd
  public var acc5: MeanStd?
  public var meanPerClassRecall: MeanStd
  public var macroF1: MeanStd

  enum CodingKeys: String, CodingKey {
    case shots, seeds, acc1, acc5
    case meanPerClassRecall = "mean_per_class_recall", macroF1 = "macro_f1"
  }

  init(shots: FewShotSampler.Shots, runs: [FewShotSubRunResult]) {
    self.shots = shots
    seeds = runs.map(\.seed)
    acc1 = MeanStd(runs.map(\.test.acc1))
    let top5 = runs.compactMap(\.test.acc5)
    acc5 = top5.count == runs.count ? MeanStd(top5) : nil
    meanPerClassRecall = MeanStd(runs.map(\.test.meanPerClassRecall))
    macroF1 = MeanStd(runs.map(\.test.macroF1))
  }
}

/// A sweep's `results.json`: the setup, every sub-run, and mean ± std per shot count.
public struct FewShotResults: Codable, Equatable, Sendable {
  public var method: FewShotMethod
  public var head: FewShotHeadKind
  public var model: String
  public var data: String
  public var classNames: [String]
  public var subRuns: [FewShotSubRunResult]
  public var summary: [FewShotShotSummary]
  /// Images whose features this sweep computed (cache misses; 0 for methods that do not cache).
  public var encodedImages: Int

  enum CodingKeys: String, CodingKey {
    case method, head, model, data, summary
    case classNames = "class_names", subRuns = "sub_runs", encodedImages = "encoded_images"
  }

  /// Groups `subRuns` by shot count, in the order of `shots`.
  public init(options: FewShotOptions, classNames: [String], subRuns: [FewShotSubRunResult], encodedImages: Int) {
    method = options.method
    head = options.resolvedHead
    model = options.model
    data = options.data
    self.classNames = classNames
    self.subRuns = subRuns
    self.encodedImages = encodedImages
    summary = options.shots.compactMap { shots in
      let runs = subRuns.filter { $0.shots == shots }
      return runs.isEmpty ? nil : FewShotShotSummary(shots: shots, runs: runs)
    }
  }

  public static let fileName = "results.json"

  /// Reads a run folder's results.json.
  public static func read(_ folder: URL) throws -> FewShotResults {
    let url = folder.appendingPathComponent(fileName)
    let data: Data
    do { data = try InputFile.read(url.path, what: "few-shot results", limit: 256 << 20) } catch let error as InputFileError {
      throw FewShotError(file: error.file, error.message)
    }
    do { return try JSONDecoder().decode(FewShotResults.self, from: data) } catch {
      throw FewShotError(file: url.path, "not a cliptune fewshot results file: \(error)")
    }
  }
}
