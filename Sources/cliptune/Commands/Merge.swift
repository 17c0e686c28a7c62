import ArgumentParser
import Captioning
import CLIP
import Foundation
import PEFT
import Tensors

/// `cliptune merge`: fold a LoRA adapter into the base weights and write a plain HF checkpoint.
struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Merge a LoRA adapter into its base model and write an HF checkpoint folder.",
    discussion: """
      --output must be a new or empty folder (an existing non-empty one is refused, whatever it \
      holds). The files are written into a hidden temporary folder beside it, which is renamed \
      into place only when complete, so a failure (a full disk) leaves no partial model.
      """)

  @OptionGroup var compute: ComputeOptions
  @Option(help: "Base Hugging Face folder: a CLIP, or a VisionEncoderDecoder captioner.") var model: String
  @Option(help: "PEFT adapter folder (adapter_config.json + adapter_model.safetensors).") var adapter: String
  @Option(help: "New or empty folder to write (config.json, model.safetensors, tokenizer and preprocessor files).") var output: String

  func run() throws {
    compute.apply()
    // Refused before anything is loaded: an existing non-empty folder, a file, a device.
    try MergedCheckpoint.checkDestination(URL(fileURLWithPath: output))
    for (input, flag) in [(model, "--model"), (adapter, "--adapter")] where OutputPath.sameFile(output, input) {
      throw InputError(file: output, message: "--output is the \(flag) folder; write the merged model elsewhere")
    }
    let base = URL(fileURLWithPath: model)
    let host: LoRAHost = VisionEncoderDecoderConfig.describes(base)
      ? try CaptionModel.load(directory: base) : try CLIPModel.load(directory: base)
    let lora: LoRAAdapter
    do { lora = try LoRA.load(adapterDirectory: URL(fileURLWithPath: adapter), onto: host) } catch let error as PEFTError {
      throw PEFTError(file: error.file.isEmpty ? adapter : error.file, "\(error.message) (merging into the model \(model))")
    }
    let count = lora.layers.count
    guard count > 0 else {
      throw InputError(file: adapter, message: "the adapter adapts no layer of the model \(model); nothing to merge")
    }
    lora.merge()
    try MergedCheckpoint.write(host, to: URL(fileURLWithPath: output), copyingFrom: base)
    FileHandle.standardError.write(Data("merged \(count) LoRA layer\(count == 1 ? "" : "s") into \(output)\n".utf8))
  }
}
