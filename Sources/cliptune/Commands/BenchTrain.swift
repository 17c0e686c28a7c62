import ArgumentParser
import CLIP
import Foundation
import Layers
import PEFT
import Tensors
import Training

/// `cliptune bench train`: pairs/s of a training step — forward of both towers, contrastive loss,
/// backward, AdamW step — like the PyTorch anchor's LoRA (r=16, alpha=32, dropout 0.1 on
/// q/k/v/out_proj/fc1/fc2 of both towers) and full fine-tuning steps.
struct BenchTrain: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "train", abstract: "Pairs/s and peak memory of a training step.")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Architecture with random weights: b32, b16, l14.") var config: String = "b32"
  @Option(help: "lora or full.") var method: TrainingOptions.Method = .lora
  @Option(help: "Pairs per step.") var batch: Int = 32
  @Option(help: "Text length in tokens (with start/end).") var textLen: Int = 20
  @Option(help: "Timed steps after one warm-up; the best is reported.") var steps: Int = 3
  @Option(help: "LoRA dropout (the PyTorch anchor uses 0.1).") var loraDropout: Double = 0.1
  @Option(help: "Also write the results as JSON here.") var output: String?

  func validate() throws {
    guard CLIPConfig.preset(config) != nil else { throw ValidationError("unknown --config '\(config)' (b32, b16, l14)") }
    guard (2...65536).contains(batch), (2...65536).contains(textLen), (1...1000).contains(steps) else {
      throw ValidationError("--batch must be in 2...65536, --text-len in 2...65536, --steps in 1...1000")
    }
    guard loraDropout.isFinite, (0..<1).contains(loraDropout) else { throw ValidationError("--lora-dropout must be in [0, 1), got \(loraDropout)") }
  }

  func run() throws {
    compute.apply()
    if let output { try OutputPath.checkFile(output) }  // before minutes of timing
    let c = CLIPConfig.preset(config)!
    let model = BenchInputs.randomModel(c)
    let trainable: [Parameter]
    let optimizer: Optimizer
    switch method {
    case .lora:
      let adapter = try LoRA.apply(LoRAConfig(rank: 16, alpha: 32, dropout: loraDropout), to: model, seed: 0)
      trainable = adapter.parameters
      optimizer = AdamW(lr: 1e-4)
    case .full:
      trainable = model.parameters
      optimizer = AdamW(lr: 1e-5)
    }
    let (pixels, ids) = BenchInputs.batch(c, size: batch, textLength: textLen)
    /// Seconds of one step: (total, forward + loss, backward, optimiser + zeroing).
    func step() throws -> (total: Double, forward: Double, backward: Double, optimizer: Double) {
      func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
      let t0 = now()
      let image = try model.imageFeatures(pixels, training: true)
      let text = try model.textFeatures(ids, training: true)
      let r = ContrastiveLoss.lossAndGradients(imageEmbeds: image, textEmbeds: text, logitScale: model.logitScale.value.data[0])
      let t1 = now()
      model.backwardImageFeatures(r.imageEmbedsGradient)
      model.backwardTextFeatures(r.textEmbedsGradient)
      if model.logitScale.trainable { model.logitScale.accumulateGradient { $0[0] += r.logitScaleGradient } }
      let t2 = now()
      optimizer.step(trainable, lr: optimizer.lr)
      for p in trainable { p.zeroGradient() }
      let t3 = now()
      return (t3 - t0, t1 - t0, t2 - t1, t3 - t2)
    }
    _ = try step()  // warm-up
    var gemms: [GEMMProfile.Totals] = [], kernels: [KernelProfile.Totals] = []
    let timings = try (0..<steps).map { _ in
      GEMMProfile.start(); KernelProfile.start()
      defer { gemms.append(GEMMProfile.stop()); kernels.append(KernelProfile.stop()) }
      return try step()
    }
    let fastestIndex = timings.indices.min { timings[$0].total < timings[$1].total }!
    let fastest = timings[fastestIndex], gemm = gemms[fastestIndex], kernel = kernels[fastestIndex]
    let best = fastest.total
    let summary = TrainableSummary(model.parameters)
    let result = BenchTrainResult(method: method.rawValue, pairs_per_s: Double(batch) / best, step_seconds: best,
                                  peak_rss_mb: PeakMemory.residentMegabytes(), batch: batch, text_len: textLen,
                                  trainable: summary.trainable, total: summary.total, gemm_seconds: gemm.seconds,
                                  gemm_gflops: gemm.gflops, backend: ComputeContext.backend, threads: ComputeContext.threads,
                                  kernel_seconds: KernelSplit.seconds(kernel))
    print(String(format: "%@: %@, step %.2fs (forward %.2f, backward %.2f, optimiser %.2f), %.2f pairs/s, peak RSS %.0f MB",
                 method.rawValue, summary.description, best, fastest.forward, fastest.backward, fastest.optimizer,
                 result.pairs_per_s, result.peak_rss_mb))
    print(GEMMSplit.line(gemm, step: best))
    print(KernelSplit.line(kernel, step: best))
    if let output { try InputFiles.writeAtomically(try InputFiles.json(result), to: output) }
  }
}

struct BenchTrainResult: Codable {
  var method: String
  var pairs_per_s: Double
  var step_seconds: Double
  var peak_rss_mb: Double
  var batch: Int
  var text_len: Int
  var trainable: Int
  var total: Int
  var gemm_seconds: Double
  var gemm_gflops: Double
  var backend: String
  var threads: Int
  /// Seconds of each non-GEMM kernel kind in the fastest step (`KernelProfile`).
  var kernel_seconds: [String: Double]
}

/// The GEMM line of `bench train` / `bench caption`: where the library calls' time went, on which
/// backend and threads.
enum GEMMSplit {
  static func line(_ gemm: GEMMProfile.Totals, step: Double) -> String {
    String(format: "GEMMs: %.2f s of the step (%.0f%%), %d calls, %.1f GFLOP at %.0f GFLOP/s; ", gemm.seconds,
           100 * gemm.seconds / step, gemm.calls, gemm.flops / 1e9, gemm.gflops)
      + "\(ComputeContext.backend), \(ComputeContext.threads) threads, elementwise kernels \(ComputeContext.elementwiseISA)"
  }
}

/// The kernel line of `bench train` / `bench caption`: the non-GEMM kernels' time by kind, and the
/// elementwise ISA they ran on.
enum KernelSplit {
  static func line(_ k: KernelProfile.Totals, step: Double) -> String {
    let parts = KernelProfile.Kind.allCases.compactMap { kind -> String? in
      guard let s = k.seconds[kind] else { return nil }
      return String(format: "%@ %.3f", kind.rawValue, s)
    }
    return String(format: "kernels: %.2f s of the step (%.0f%%): ", k.total, 100 * k.total / step) + parts.joined(separator: ", ")
      + " s; \(ComputeContext.elementwiseISA)"
  }

  static func seconds(_ k: KernelProfile.Totals) -> [String: Double] {
    Dictionary(uniqueKeysWithValues: k.seconds.map { ($0.key.rawValue, $0.value) })
  }
}
