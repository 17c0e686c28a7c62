import ArgumentParser
import Captioning
import PEFT
import Training
import Foundation
import SafeTensors
import Tensors

/// `cliptune bench caption`: the captioner's speed. `--config vit-gpt2` (nlpconnect's architecture,
/// random weights): a training step (pairs/s) and caption generation from pixels (captions/s), as
/// Scripts/bench/caption_torch_bench.py times transformers + PEFT. `--weights FILE`: seconds per
/// generation of a GPT-2 small decoder given encoder states, like Scripts/bench/caption_generate_torch.py
/// (`generate(encoder_outputs=…)` with min_new_tokens = max_new_tokens), with `--expect` checking the ids.
struct BenchCaption: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "caption", abstract: "Captioner speed: training step and generation (ViT-GPT-2), or decoder-only generation (--weights).")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Whole-model workloads on random weights: vit-gpt2 (nlpconnect's architecture) or tiny.") var config: String?
  @Option(help: "With --config: train and/or generate (comma-separated).") var what: String = "train,generate"
  @Option(help: "With --config: lora (r 32, alpha 64 on c_attn, c_proj, c_fc) or full.") var method: TrainingOptions.Method = .lora
  @Option(help: "With --config: caption tokens per training pair (EOS added).") var captionLen: Int = 16
  @Option(help: "With --config: max_length of generated captions (start token included; every caption runs to it).") var maxLength: Int = 16
  @Option(help: "With --config: LoRA dropout (the PyTorch script uses the same).") var loraDropout: Double = 0.1
  @Option(help: "With --config: also write the results as JSON here.") var output: String?
  @Option(help: "Decoder parameters (HF names, decoder.transformer.…) and `encoder_states`, as the PyTorch script writes them; default: random weights and states.")
  var weights: String?
  @Option(help: "The PyTorch script's generated.json: check that the ids are the same.") var expect: String?
  @Option(help: "Images (random states only; with --weights, the file's).") var batch: Int = 1
  @Option(help: "Beams (1: greedy).") var beams: Int = 4
  @Option(help: "New tokens per caption (EOS is forbidden before).") var newTokens: Int = 20
  @Option(help: "Timed repetitions after one warm-up; the best is reported.") var steps: Int = 3

  func validate() throws {
    guard (1...256).contains(batch), (1...64).contains(beams), (1...1000).contains(newTokens), (1...1000).contains(steps) else {
      throw ValidationError("--batch must be in 1...256, --beams in 1...64, --new-tokens and --steps in 1...1000")
    }
  }

  func run() throws {
    compute.apply()
    if let config {
      if let output { try OutputPath.checkFile(output) }  // before minutes of timing
      let parts = Set(what.split(separator: ",").map(String.init))
      guard !parts.isEmpty, parts.isSubset(of: ["train", "generate"]) else { throw ValidationError("--what takes train and/or generate, got '\(what)'") }
      guard (1...256).contains(captionLen), (2...1024).contains(maxLength) else {
        throw ValidationError("--caption-len must be in 1...256 and --max-length in 2...1024")
      }
      let r = try BenchCaptionModel.run(configName: config, what: parts, method: method, batch: batch, captionLength: captionLen,
                                        beams: beams, maxLength: maxLength, steps: steps, loraDropout: loraDropout)
      if let pairs = r.pairs_per_s, let seconds = r.step_seconds {
        print(String(format: "caption train (%@, %@): step %.2f s (%@), %.2f pairs/s, batch %d, caption %d tokens", r.method!,
                     TrainableSummary(trainable: r.trainable!, total: r.total!).description, seconds, r.split ?? "", pairs, batch,
                     captionLen))
      }
      if let captions = r.captions_per_s, let seconds = r.generate_seconds {
        print(String(format: "caption generate: %.2f s for %d images, %.2f captions/s, %d beams, max_length %d", seconds, batch,
                     captions, beams, maxLength))
      }
      if let gemm = r.gemm { print(gemm) }
      if let kernels = r.kernels { print(kernels) }
      print(String(format: "peak RSS %.0f MB, %d threads, ", r.peak_rss_mb, r.threads) + r.backend)
      if let output { try InputFiles.writeAtomically(try InputFiles.json(r), to: output) }
      return
    }
    let decoder = GPT2Decoder(vocabulary: 50257, positions: 1024, dim: 768, heads: 12, layers: 12, hidden: 3072)
    var states: Tensor
    if let weights {
      let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: weights))
      for p in decoder.parameters { p.value = try file.tensor(p.name) }
      states = try file.tensor("encoder_states")
    } else {
      var rng = SeededRNG(seed: 0)
      for p in decoder.parameters where p.shape.count > 1 { p.value = Tensor.randomNormal(p.shape, std: 0.05, rng: &rng) }
      states = Tensor.randomNormal([batch, 197, 768], rng: &rng)
    }
    let config = GenerationConfig(decoderStartTokenID: 50256, bosTokenID: 50256, eosTokenIDs: [50256], padTokenID: 50256,
                                  maxNewTokens: newTokens, minNewTokens: newTokens, numBeams: beams)
    var out = try generate(decoder: decoder, encoderStates: states, config: config)  // warm-up
    var times: [Double] = []
    for _ in 0..<steps {
      let t0 = DispatchTime.now().uptimeNanoseconds
      out = try generate(decoder: decoder, encoderStates: states, config: config)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    print(String(format: "caption: batch %d, %d beams, %d new tokens, %d threads: best %.3f s of %@", states.shape[0], beams,
                 newTokens, ComputeContext.threads, times.min()!, times.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
    print("ids", out)
    if let expect {
      let data = try InputFile.read(expect, what: "expected ids", limit: 64 << 20)
      guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let want = root["sequences"] as? [[Int]] else {
        throw ValidationError("\(expect): no 'sequences' list")
      }
      print(want == out ? "same ids as \(expect)" : "DIFFERENT ids from \(expect): \(want)")
    }
  }
}
