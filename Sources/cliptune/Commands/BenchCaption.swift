import ArgumentParser
import Captioning
import Foundation
import SafeTensors
import Tensors

/// `cliptune bench caption`: seconds per caption generation (greedy or beam search) of a GPT-2
/// small decoder with cross-attention given encoder states, like Scripts/bench/caption_generate_torch.py
/// (`generate(encoder_outputs=…)` with min_new_tokens = max_new_tokens, so both do the same work).
struct BenchCaption: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "caption", abstract: "Seconds per caption generation of a GPT-2 small decoder (beam or greedy search).")
  @OptionGroup var compute: ComputeOptions

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
