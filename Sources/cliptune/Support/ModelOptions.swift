import SafeTensors
import ArgumentParser
import CLIP
import Foundation
import PEFT
import Tensors

/// `--model DIR` (a Hugging Face CLIP folder) and optionally `--adapter DIR` (a PEFT LoRA adapter).
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: "Hugging Face CLIP folder (config.json, model.safetensors, vocab.json, merges.txt, preprocessor_config.json).")
  var model: String

  @Option(name: .long, help: "A LoRA adapter folder (PEFT format: adapter_config.json + adapter_model.safetensors) to apply.")
  var adapter: String?

  @Option(name: .long, help: "Images or texts per forward pass.")
  var batchSize: Int = 32

  @Flag(name: .long, help: "Load weights that hold NaN or Inf values (a warning instead of an error); outputs will likely be NaN.")
  var allowNonfinite = false

  func validate() throws {
    guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
  }

  func load() throws -> CLIPPipeline { try Self.loadCLIP(model, adapter: adapter, allowNonfinite: allowNonfinite) }

  /// The CLIP folder `model` (with the PEFT adapter `adapter` applied), with errors for the command line.
  static func loadCLIP(_ model: String, adapter: String? = nil, allowNonfinite: Bool = false) throws -> CLIPPipeline {
    try loadModelFolder(model) {
      let pipeline = try CLIPPipeline.load(modelDirectory: URL(fileURLWithPath: model), allowNonfinite: allowNonfinite)
      if let adapter {
        try LoRA.load(adapterDirectory: URL(fileURLWithPath: adapter), onto: pipeline.model, allowNonfinite: allowNonfinite)
      }
      return pipeline
    }
  }
}

/// Loads the `--model` folder `model` with `load`, after checking it is a folder; weights holding
/// NaN or Inf become a command-line error that names `--allow-nonfinite`.
func loadModelFolder<T>(_ model: String, _ load: () throws -> T) throws -> T {
  switch InputFile.kind(model) {
  case .directory?: break
  case nil: throw InputError(file: model, message: "no such model folder")
  default: throw InputError(file: model, message: "is a file, not a model folder (--model takes the folder holding config.json)")
  }
  do { return try load() } catch let e as NonfiniteWeightsError {
    throw InputError(file: e.file, message: String(e.description.dropFirst(e.file.count + 2))
                       + " (--allow-nonfinite loads it anyway, with a warning)")
  }
}
