import ArgumentParser
import Captioning
import Foundation
import Layers
import PEFT
import Tensors
import Training

/// The whole-captioner workloads of `cliptune bench caption --config vit-gpt2`: a teacher-forced
/// training step (LoRA r 32, α 64 on c_attn, c_proj, c_fc, or full fine-tuning; AdamW) and
/// caption generation from pixels (encoder + beam search), on random weights of
/// nlpconnect/vit-gpt2-image-captioning's architecture — what Scripts/bench/caption_torch_bench.py
/// times with transformers + PEFT.
enum BenchCaptionModel {
  /// nlpconnect/vit-gpt2-image-captioning's architecture (ViT-base/16 at 224, GPT-2 small with
  /// cross-attention), or `tiny` (for tests).
  static func config(_ name: String) throws -> VisionEncoderDecoderConfig {
    var encoder = ViTConfig(), decoder = GPT2Config()
    decoder.addCrossAttention = true
    switch name {
    case "vit-gpt2": break
    case "tiny":
      encoder.hiddenSize = 32; encoder.intermediateSize = 64; encoder.numHiddenLayers = 1; encoder.numAttentionHeads = 2
      encoder.imageSize = 32; encoder.patchSize = 8
      decoder.vocabSize = 300; decoder.nPositions = 64; decoder.nEmbd = 32; decoder.nLayer = 1; decoder.nHead = 2
      decoder.bosTokenId = 299; decoder.eosTokenId = 299
    default: throw ValidationError("--config takes vit-gpt2 or tiny, got '\(name)'")
    }
    let eos = decoder.eosTokenId!
    return VisionEncoderDecoderConfig(encoder: encoder, decoder: decoder, decoderStartTokenId: eos, padTokenId: eos, eosTokenId: eos)
  }

  struct Result: Codable {
    var config: String
    var method: String?
    var pairs_per_s: Double?
    var step_seconds: Double?
    var captions_per_s: Double?
    var generate_seconds: Double?
    var peak_rss_mb: Double
    var batch: Int
    var caption_len: Int
    var beams: Int
    var max_length: Int
    var threads: Int
    var trainable: Int?
    var total: Int?
    /// How the fastest training step splits.
    var split: String?
    /// Its GEMM library calls (`GEMMSplit`).
    var gemm: String?
    var kernels: String?
    /// The GEMM backend (`ComputeContext.backend`).
    var backend = ComputeContext.backend
  }

  /// Runs the `what` workloads (train, generate) and returns their best timings.
  static func run(configName: String, what: Set<String>, method: TrainingOptions.Method, batch: Int, captionLength: Int,
                  beams: Int, maxLength: Int, steps: Int, loraDropout: Double) throws -> Result {
    let config = try config(configName)
    let model = CaptionModel.randomlyInitialized(config, seed: 0)
    var rng = SeededRNG(seed: 1)
    let s = config.encoder.imageSize
    let pixels = Tensor.randomNormal([batch, 3, s, s], rng: &rng)
    var result = Result(config: configName, peak_rss_mb: 0, batch: batch, caption_len: captionLength, beams: beams,
                        max_length: maxLength, threads: ComputeContext.threads)
    func best(_ body: () throws -> Void) rethrows -> Double { try BestTime.seconds(steps: steps, body) }
    if what.contains("generate") {
      var generation = GenerationConfig(decoderStartTokenID: config.decoderStartTokenId, eosTokenIDs: [config.eosTokenId!],
                                        padTokenID: config.padTokenId, maxLength: maxLength, numBeams: beams)
      generation.minLength = maxLength  // every caption runs to max_length, on both sides
      let seconds = try best { _ = try generate(decoder: model.decoder, encoderStates: try model.encode(pixels), config: generation) }
      result.generate_seconds = seconds
      result.captions_per_s = Double(batch) / seconds
    }
    if what.contains("train") {
      let trainable: [Parameter]
      switch method {
      case .lora:
        let adapter = try LoRA.apply(LoRAConfig(rank: 32, alpha: 64, dropout: loraDropout, targetModules: .names(["c_attn", "c_proj", "c_fc"])),
                                     to: model, seed: 0)
        trainable = adapter.parameters
      case .full:
        trainable = model.parameters
      }
      let optimizer = AdamW(lr: 1e-5)
      let v = config.decoder.vocabSize - 1
      let captions = (0..<batch).map { _ in (0..<captionLength).map { _ in Int(rng.next() % UInt64(v)) } }
      let targets = try TeacherForcing(captions: captions, start: config.decoderStartTokenId!, pad: config.padTokenId!,
                                       eos: config.eosTokenId!, maxTokens: captionLength)
      func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
      var split: [(encode: Double, decode: Double, backward: Double, optimizer: Double, total: Double, gemm: GEMMProfile.Totals, kernels: KernelProfile.Totals)] = []
      let seconds = try best {
        // teacherForcedLoss's steps, timed apart: encoder, decoder + loss, backward, optimiser.
        GEMMProfile.start(); KernelProfile.start()
        let t0 = now()
        let states = try model.encode(pixels, training: true)
        let t1 = now()
        let logits = model.decoder.forward(targets.decoderInputs, encoder: states, training: true)
        let (_, dLogits) = CrossEntropyLoss.lossAndGradient(logits: logits, labels: targets.labels.flatMap { $0 })
        let t2 = now()
        model.backward(dLogits)
        let t3 = now()
        optimizer.step(trainable, lr: optimizer.lr)
        for p in trainable { p.zeroGradient() }
        let t4 = now()
        split.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, GEMMProfile.stop(), KernelProfile.stop()))
      }
      let fastest = split.dropFirst().min { $0.total < $1.total }!
      result.split = String(format: "encoder %.2f s, decoder + loss %.2f s, backward %.2f s, optimiser %.2f s",
                            fastest.encode, fastest.decode, fastest.backward, fastest.optimizer)
      result.gemm = GEMMSplit.line(fastest.gemm, step: fastest.total)
      result.kernels = KernelSplit.line(fastest.kernels, step: fastest.total)
      let summary = TrainableSummary(model.parameters)
      result.method = method.rawValue
      result.step_seconds = seconds
      result.pairs_per_s = Double(batch) / seconds
      result.trainable = summary.trainable
      result.total = summary.total
    }
    result.peak_rss_mb = PeakMemory.residentMegabytes()
    return result
  }
}
