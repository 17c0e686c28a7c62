import ArgumentParser
import CLIP
import Foundation
import PEFT

/// `--model DIR` (a Hugging Face CLIP folder) and optionally `--adapter DIR` (a PEFT LoRA adapter).
struct ModelOptions: ParsableArguments {
  @Option(name: .long, help: "Hugging Face CLIP folder (config.json, model.safetensors, vocab.json, merges.txt, preprocessor_config.json).")
  var model: String

  @Option(name: .long, help: "A LoRA adapter folder (PEFT format: adapter_config.json + adapter_model.safetensors) to apply.")
  var adapter: String?

  @Option(name: .long, help: "Images or texts per forward pass.")
  var batchSize: Int = 32

  func validate() throws {
    guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
  }

  func load() throws -> CLIPPipeline {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: model, isDirectory: &isDir), isDir.boolValue else {
      throw InputError(file: model, message: "no such model folder")
    }
    let pipeline = try CLIPPipeline.load(modelDirectory: URL(fileURLWithPath: model))
    if let adapter { try LoRA.load(adapterDirectory: URL(fileURLWithPath: adapter), onto: pipeline.model) }
    return pipeline
  }
}
