import ArgumentParser
import CLIP
import Foundation
import PEFT

/// `cliptune merge`: fold a LoRA adapter into the base weights and write a plain HF checkpoint.
struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Merge a LoRA adapter into its base model and write an HF checkpoint folder.")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Base Hugging Face CLIP folder.") var model: String
  @Option(help: "PEFT adapter folder (adapter_config.json + adapter_model.safetensors).") var adapter: String
  @Option(help: "Folder to write (config.json, model.safetensors, tokenizer and preprocessor files).") var output: String

  func run() throws {
    compute.apply()
    let base = URL(fileURLWithPath: model)
    let clip = try CLIPModel.load(directory: base)
    let lora = try LoRA.load(adapterDirectory: URL(fileURLWithPath: adapter), onto: clip)
    lora.merge()
    try MergedCheckpoint.write(clip, to: URL(fileURLWithPath: output), copyingFrom: base)
    FileHandle.standardError.write(Data("merged \(lora.layers.count) LoRA layers into \(output)\n".utf8))
  }
}
