import ArgumentParser
import Datasets
import Foundation
import Workflows

/// `cliptune demo fewshot`: zero-shot and every few-shot method at each shot count and seed on a
/// synthetic classification task, with one comparison report.
struct DemoFewShotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fewshot",
    abstract: "The few-shot study on a synthetic classification task: every method at 1–16 shots × 3 seeds, one report.",
    discussion: """
      Synthesises a classification task at the model's image size (cliptune synth --task classification), \
      then runs cliptune fewshot for zero-shot, linear-probe, clip-adapter, vpt-shallow, vpt-deep, coop, \
      tip-adapter, tip-adapter-f and lora with a shared feature cache, and writes results.json and \
      report.html. Gradient methods get a short AdamW budget (--steps) suited to a small model on a CPU.
      """)
  @OptionGroup var compute: ComputeOptions
  @Option(help: "The CLIP folder to adapt (make demo uses demo-run/pretrain/model).") var model: String
  @Option(help: "Folder to write (new, empty, or an earlier few-shot demo's).") var output = "demo-run/fewshot"
  @Option(help: "What the classes differ in: shape, colour (default), count or position.") var factor: SyntheticFactor?
  @Option(help: "base or shifted (default) synthetic domain.") var domain: String?
  @Option(help: "Images in the task (split 80/10/10).") var images: Int?
  @Option(help: "Optimiser steps of each gradient-trained method.") var steps: Int?
  @Option(help: "Random seed of the task and the methods.") var seed: UInt64 = 0
  @Flag(help: "A small, fast configuration (what the end-to-end test runs).") var quick = false

  func run() throws {
    compute.apply()
    var o = quick ? FewShotDemo.Options.quick(model: model, output: output) : FewShotDemo.Options(model: model, output: output)
    if let factor { o.factor = factor }
    if let domain {
      guard let d = SyntheticDomain(rawValue: domain) else { throw ValidationError("--domain takes base or shifted, got '\(domain)'") }
      o.domain = d
    }
    if let images { o.images = images }
    if let steps { o.steps = steps }
    o.seed = seed
    let started = Date()
    let results = try FewShotDemo(options: o).run { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
    print(FewShotDemo.table(results))
    print("\nresults: \(URL(fileURLWithPath: output).appendingPathComponent("results.json").path)")
    print("report:  \(URL(fileURLWithPath: output).appendingPathComponent("report.html").path)")
    print(String(format: "done in %.0f s", Date().timeIntervalSince(started)))
  }
}

extension SyntheticFactor: ExpressibleByArgument {}
