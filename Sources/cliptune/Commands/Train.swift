import ArgumentParser
import Foundation
import Tensors
import Training

/// `cliptune train`: fine-tuning (LoRA or full) into a run folder: a CLIP for retrieval
/// (contrastive, the default task) or a ViT-GPT-2 captioner (`--task captioning`, teacher forcing).
struct Train: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fine-tune a CLIP (retrieval) or a ViT-GPT-2 captioner on captioned images (LoRA or full), writing a run folder.",
    discussion: """
      The run folder gets config.json (every resolved setting), metrics.jsonl (one line per step and
      per evaluation), checkpoints/ (every --save-every steps), the final adapter/ (PEFT format) or
      model/ (merged HF checkpoint for --method full) and report.html. --resume RUN_DIR continues a
      killed run from its latest checkpoint with the settings in its config.json.

      --task captioning trains a Hugging Face VisionEncoderDecoderModel folder (ViT encoder, GPT-2
      decoder with cross-attention, e.g. nlpconnect/vit-gpt2-image-captioning) with teacher forcing:
      each caption + EOS is a target, the loss the token-weighted cross-entropy. Its LoRA targets
      default to c_attn,c_proj,c_fc (PEFT's suffix matching: cross-attention c_attn/c_proj too).
      """)
  @OptionGroup var compute: ComputeOptions

  @Option(help: "retrieval (a CLIP, contrastive) or captioning (a ViT-GPT-2 VisionEncoderDecoder, teacher forcing).")
  var task: TrainingOptions.Task = .retrieval
  @Option(help: "Hugging Face model folder to start from (CLIP, or VisionEncoderDecoder for captioning).") var model: String?
  @Option(help: "Karpathy-split JSON, COCO captions JSON, or CSV/TSV with filepath and caption columns.") var data: String?
  @Option(help: "Folder the image paths are relative to.") var imageRoot: String?
  @Option(help: "Run folder to create.") var output: String?
  @Option(help: "Continue the run in this folder from its latest checkpoint (other options come from its config.json).") var resume: String?

  @Option(help: "lora or full.") var method: TrainingOptions.Method = .lora
  @Option(help: "LoRA rank r.") var loraRank: Int = 16
  @Option(help: "LoRA alpha (scaling alpha/r).") var loraAlpha: Double = 32
  @Option(help: "Dropout on the LoRA input.") var loraDropout: Double = 0.1
  @Option(help: "Module-name suffixes to adapt (comma-separated), or a regex over full module names with --lora-targets-regex (default q_proj,k_proj,v_proj,out_proj,fc1,fc2; captioning c_attn,c_proj,c_fc).")
  var loraTargets: String?
  @Flag(help: "Treat --lora-targets as one regex matched against full module names (PEFT's string form).") var loraTargetsRegex = false
  @Option(help: "Towers to adapt: vision,text.") var towers: String = "vision,text"
  @Flag(help: "Rank-stabilised LoRA: scaling alpha/√r.") var rslora = false
  @Option(help: "Start from this PEFT adapter folder instead of a fresh LoRA.") var adapter: String?
  @Option(help: "Full fine-tuning: keep these frozen (retrieval: vision, text; captioning: encoder, decoder).") var freeze: String?
  @Option(help: "Captioning: caption tokens kept before EOS (default: the decoder's positions − 1).") var maxCaptionTokens: Int?
  @Option(help: "Captioning validation: beams of the generated captions (default 1, greedy).") var evalNumBeams: Int?
  @Option(help: "Captioning validation: max_length of the generated captions (default 16).") var evalMaxLength: Int?

  @Option(help: "adamw, adam or sgd.") var optimizer: TrainingOptions.OptimizerKind = .adamw
  @Option(help: "Peak learning rate.") var lr: Double = 1e-4
  @Option(help: "Adam betas.") var betas: String = "0.9,0.999"
  @Option(help: "Adam epsilon.") var eps: Double = 1e-8
  @Option(help: "Weight decay (decoupled for AdamW, L2 for Adam and SGD); as open_clip, not applied to biases, LayerNorm gains, the class embedding or logit_scale.") var weightDecay: Double = 0.01
  @Flag(help: "Decay every trainable parameter, 1-D ones and logit_scale included.") var decayAll = false
  @Option(help: "SGD momentum.") var momentum: Double = 0.9
  @Option(help: "cosine, step or constant.") var schedule: TrainingOptions.ScheduleKind = .cosine
  @Option(help: "Linear warmup steps.") var warmupSteps: Int = 0
  @Option(help: "Step schedule: epochs between decays.") var stepSize: Int = 5
  @Option(help: "Step schedule: factor per decay.") var gamma: Double = 0.5
  @Option(help: "Clip the total gradient norm to this.") var gradClip: Double?
  @Option(help: "Epochs over the training split.") var epochs: Int = 1
  @Option(help: "Stop after this many optimiser steps.") var maxSteps: Int?
  @Option(help: "Pairs per micro-batch.") var batchSize: Int = 8
  @Option(help: "Micro-batches per optimiser step.") var accumulate: Int = 1
  @Option(help: "exact (one contrastive loss over the whole accumulated batch) or mean.") var accumulateMode: TrainingOptions.AccumulationMode = .exact

  @Option(help: "Training split (Karpathy JSON).") var trainSplit: String = "train"
  @Option(help: "Validation split, or 'none'.") var valSplit: String = "val"
  @Option(help: "random (a fresh caption per epoch), first, or all (every caption is a pair).") var captions: TrainingOptions.CaptionMode = .random
  @Option(help: "none or crop-flip (RandomResizedCrop + horizontal flip).") var augment: TrainingOptions.Augmentation = .none
  @Option(help: "RandomResizedCrop scale range.") var cropScale: String = "0.08,1.0"
  @Flag(help: "Keep file order (no shuffling).") var noShuffle = false
  @Option(help: "Random seed (data order, captions, augmentation, LoRA init and dropout).") var seed: UInt64 = 0
  @Option(help: "Save a checkpoint every N steps.") var saveEvery: Int = 500
  @Option(help: "Evaluate on the validation split every N steps (and always at the end).") var evalEvery: Int?
  @Option(help: "Checkpoints to keep.") var keepCheckpoints: Int = 2
  @Flag(help: "Print the trainable-parameter summary and exit.") var dryRun = false

  func validate() throws {
    if resume == nil {
      guard model != nil, data != nil, output != nil else {
        throw ValidationError("give --model, --data and --output (or --resume RUN_DIR)")
      }
    }
  }

  func options() throws -> TrainingOptions {
    var o = TrainingOptions(model: model!, data: data!, output: output!)
    o.task = task
    o.captionMaxTokens = maxCaptionTokens
    o.evalNumBeams = evalNumBeams
    o.evalMaxLength = evalMaxLength
    o.imageRoot = imageRoot
    o.method = method
    o.loraRank = loraRank; o.loraAlpha = loraAlpha; o.loraDropout = loraDropout
    let targets = loraTargets ?? (task == .captioning ? "c_attn,c_proj,c_fc" : "q_proj,k_proj,v_proj,out_proj,fc1,fc2")
    if loraTargetsRegex { o.loraTargetRegex = targets } else { o.loraTargets = list(targets) }
    o.towers = list(towers); o.rsLoRA = rslora; o.initialAdapter = adapter
    o.freeze = freeze.map(list) ?? []
    o.optimizer = optimizer; o.learningRate = lr; o.betas = try numbers(betas, "--betas"); o.eps = eps
    o.weightDecay = weightDecay; o.decayAll = decayAll ? true : nil; o.momentum = momentum
    o.schedule = schedule; o.warmupSteps = warmupSteps; o.stepSizeEpochs = stepSize; o.gamma = gamma
    o.gradientClip = gradClip; o.epochs = epochs; o.maxSteps = maxSteps
    o.batchSize = batchSize; o.accumulate = accumulate; o.accumulationMode = accumulateMode
    o.trainSplit = trainSplit; o.valSplit = valSplit == "none" ? nil : valSplit
    o.captions = captions; o.augment = augment; o.cropScale = try numbers(cropScale, "--crop-scale")
    o.shuffle = !noShuffle; o.seed = seed
    o.saveEvery = saveEvery; o.evalEvery = evalEvery; o.keepCheckpoints = keepCheckpoints
    try o.validate()
    return o
  }

  private func list(_ s: String) -> [String] { s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
  private func numbers(_ s: String, _ flag: String) throws -> [Double] {
    let parts = list(s)
    let values = parts.compactMap(Double.init)
    guard values.count == parts.count else { throw ValidationError("\(flag) takes comma-separated numbers, got '\(s)'") }
    return values
  }

  func run() throws {
    let trainer: Trainer
    if let resume {
      // The run's own thread count and GEMM library unless --threads/--gemm say otherwise: exact
      // resume needs the same.
      let recorded = Trainer.recordedCompute(URL(fileURLWithPath: resume))
      compute.apply(recordedThreads: recorded.threads, recordedBackend: recorded.backend)
      if let was = recorded.threads, was != ComputeContext.threads {
        warn("the run computed with \(was) threads and resumes with \(ComputeContext.threads); results may differ in the last bits from an uninterrupted run")
      }
      if let was = recorded.backend, was != ComputeContext.backend {
        warn("the run computed with \(was) and resumes with \(ComputeContext.backend); results may differ in the last bits from an uninterrupted run")
      }
      trainer = try Trainer.resume(URL(fileURLWithPath: resume))
      FileHandle.standardError.write(Data("resuming \(resume) at step \(trainer.step) of \(trainer.totalSteps)\n".utf8))
    } else {
      compute.apply()
      let o = try options()
      if dryRun {
        try DryRun.print(o)
        return
      }
      trainer = try Trainer(options: o)
    }
    FileHandle.standardError.write(Data("\(trainer.trainableSummary)\n".utf8))
    let display = TrainingProgressDisplay("train", totalSteps: trainer.totalSteps)
    let summary = try trainer.run { display.show($0) }
    if let line = summary.lastEvaluation { print(line) }
    print("weights: \(summary.output.path)")
    print("report:  \(summary.report.path)")
  }
}

/// A warning on stderr.
private func warn(_ message: String) {
  FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}
