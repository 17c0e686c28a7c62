import ArgumentParser
import Captioning
import Foundation
import PEFT
import SafeTensors
import Tensors

/// `--model DIR` (a Hugging Face VisionEncoderDecoder captioner folder) and optionally
/// `--adapter DIR` (a PEFT LoRA adapter for it).
struct CaptionerOptions: ParsableArguments {
  @Option(name: .long, help: "Hugging Face VisionEncoderDecoder folder (config.json, model.safetensors, vocab.json, merges.txt, preprocessor_config.json, generation_config.json).")
  var model: String

  @Option(name: .long, help: "A LoRA adapter folder (PEFT format: adapter_config.json + adapter_model.safetensors) to apply.")
  var adapter: String?

  @Option(name: .long, help: "Images per forward pass.")
  var batchSize: Int = 16

  @Flag(name: .long, help: "Load weights that hold NaN or Inf values (a warning instead of an error); outputs will likely be NaN.")
  var allowNonfinite = false

  func validate() throws {
    guard (1...InferenceLimits.maxBatchSize).contains(batchSize) else {
      throw ValidationError("--batch-size must be in 1...\(InferenceLimits.maxBatchSize), got \(batchSize)")
    }
  }

  func load() throws -> CaptionPipeline { try Self.load(model, adapter: adapter, allowNonfinite: allowNonfinite) }

  /// The captioner folder `model` (with the PEFT adapter `adapter` applied), with errors for the command line.
  static func load(_ model: String, adapter: String?, allowNonfinite: Bool = false) throws -> CaptionPipeline {
    try loadModelFolder(model) {
      let pipeline = try CaptionPipeline.load(modelDirectory: URL(fileURLWithPath: model), allowNonfinite: allowNonfinite)
      if let adapter {
        try LoRA.load(adapterDirectory: URL(fileURLWithPath: adapter), onto: pipeline.model, allowNonfinite: allowNonfinite)
      }
      return pipeline
    }
  }

  /// The files these folders are read from, which an output must not overwrite.
  var inputs: [OutputPath.Input] { Self.inputs(model, adapter: adapter) }

  static func inputs(_ model: String, adapter: String?) -> [OutputPath.Input] {
    let modelFiles = ["config.json", "model.safetensors", "model.safetensors.index.json", "vocab.json", "merges.txt",
                      "preprocessor_config.json", "generation_config.json"]
    func files(_ folder: String, _ names: [String], _ flag: String) -> [OutputPath.Input] {
      names.map { OutputPath.Input(URL(fileURLWithPath: folder).appendingPathComponent($0).path, role: "\($0) of the \(flag) folder") }
    }
    return files(model, modelFiles, "--model")
      + (adapter.map { files($0, ["adapter_config.json", "adapter_model.safetensors"], "--adapter") } ?? [])
  }
}

/// Generation settings on the command line, over the model's `generation_config.json`.
struct GenerationOptions: ParsableArguments {
  @Option(help: "Longest output in tokens, the start token included (generate's max_length).") var maxLength: Int = 16
  @Option(help: "Beams (1: greedy search).") var numBeams: Int = 4
  @Option(help: "Beam scores are divided by length^penalty (default: the model's generation_config, else 1.0).") var lengthPenalty: Double?
  @Option(help: "No n-gram of this size appears twice in a caption (default: the model's generation_config, else off).") var noRepeatNgramSize: Int?
  @Flag(help: "Stop beam search once num_beams captions are finished (generate's early_stopping=True).") var earlyStopping = false

  func validate() throws {
    guard numBeams >= 1 else { throw ValidationError("--num-beams must be at least 1, got \(numBeams)") }
    guard maxLength >= 2 else { throw ValidationError("--max-length must be at least 2 (the start token and one more), got \(maxLength)") }
    if let noRepeatNgramSize, noRepeatNgramSize < 0 { throw ValidationError("--no-repeat-ngram-size must be 0 or more, got \(noRepeatNgramSize)") }
    if let lengthPenalty, !lengthPenalty.isFinite { throw ValidationError("--length-penalty must be a finite number") }
  }

  /// `base` with these settings applied.
  func apply(to base: GenerationConfig) -> GenerationConfig {
    var c = base
    c.maxLength = maxLength
    c.maxNewTokens = nil
    c.numBeams = numBeams
    if let lengthPenalty { c.lengthPenalty = lengthPenalty }
    if let noRepeatNgramSize { c.noRepeatNGramSize = noRepeatNgramSize }
    if earlyStopping { c.earlyStopping = .whenFull }
    return c
  }
}
