import CLIP
import Foundation
import Layers
import SafeTensors
import Tensors

/// Writes a `CLIPModel` (typically after `LoRAAdapter.merge()`) as a Hugging Face model folder that
/// transformers' `CLIPModel.from_pretrained` and `CLIPModel.load(directory:)` read.
public enum MergedCheckpoint {
  /// Tokenizer and preprocessing files copied from the base folder when present.
  public static let companionFiles = [
    "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json", "preprocessor_config.json",
  ]

  /// Writes `config.json` (`CLIPConfig.write`), `model.safetensors` (every parameter under its HF
  /// name, F32, metadata format=pt) and copies `companionFiles` found in `baseDirectory`; each file
  /// is written atomically. Throws when a LoRA layer is still attached (merge or remove it first)
  /// or when `directory` is the base folder itself.
  public static func write(_ model: CLIPModel, to directory: URL, copyingFrom baseDirectory: URL? = nil) throws {
    if let attached = model.linearSlots.first(where: { !($0.layer is Linear) }) {
      throw PEFTError(file: directory.path, "module '\(attached.name)' still has an adapter: merge (or remove) it before writing a plain checkpoint")
    }
    if let base = baseDirectory, base.standardizedFileURL.resolvingSymlinksInPath() == directory.standardizedFileURL.resolvingSymlinksInPath() {
      throw PEFTError(file: directory.path, "refusing to overwrite the base model's own folder; write the merged model elsewhere")
    }
    do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
      throw PEFTError(file: directory.path, "cannot create the model folder: \(error.localizedDescription)")
    }
    try model.config.write(to: directory.appendingPathComponent("config.json"))
    try SafeTensorsWriter.write(model.parameters.map { ($0.name, $0.value) }, metadata: ["format": "pt"],
                                to: directory.appendingPathComponent("model.safetensors"))
    guard let base = baseDirectory else { return }
    for name in companionFiles {
      let from = base.appendingPathComponent(name)
      guard FileManager.default.fileExists(atPath: from.path) else { continue }
      do { try Data(contentsOf: from).write(to: directory.appendingPathComponent(name), options: .atomic) } catch {
        throw PEFTError(file: from.path, "cannot copy into \(directory.path): \(error.localizedDescription)")
      }
    }
  }
}

extension LoRAAdapter {
  /// Merges the adapter into the base (`merge()`) and writes the merged model folder, copying the
  /// tokenizer and preprocessor files from `baseDirectory` (what `cliptune merge` does).
  public func saveMerged(to directory: URL, copyingFrom baseDirectory: URL? = nil) throws {
    merge()
    try MergedCheckpoint.write(model, to: directory, copyingFrom: baseDirectory)
  }
}
