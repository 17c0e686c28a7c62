#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLIP
import Foundation
import Layers
import SafeTensors
import Tensors

/// Writes a model (typically after `LoRAAdapter.merge()`) as a Hugging Face model folder that
/// transformers' `from_pretrained` and ClipTune's loaders read (`CLIPModel`, the captioner).
public enum MergedCheckpoint {
  /// Tokenizer and preprocessing files copied from the base folder when present.
  public static let companionFiles = [
    "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json", "preprocessor_config.json", "generation_config.json",
  ]

  /// Checks that `directory` can receive a merged model: nothing is there, or an empty folder.
  /// An existing non-empty folder is refused whatever it holds (another model, an earlier merge),
  /// as is a file, device or FIFO.
  public static func checkDestination(_ directory: URL) throws {
    let state: OutputPath.FolderState
    do { state = try OutputPath.folderState(directory.path) } catch let error as OutputPathError {
      throw PEFTError(file: error.file, error.message)
    }
    if case .nonEmpty(let names) = state {
      throw PEFTError(file: directory.path, "already exists and is not empty (\(OutputPath.listing(names))); merge into a new or empty folder")
    }
  }

  /// Writes `config.json` (`LoRAHost.writeConfig`), `model.safetensors` (every parameter under its HF
  /// name, F32, metadata format=pt) and copies `companionFiles` found in `baseDirectory`, all into
  /// a hidden temporary folder beside `directory` that is renamed to `directory` only when every
  /// file is complete: a failure (a full disk) leaves nothing behind. `directory` must be new or
  /// empty (`checkDestination`). Throws when a LoRA layer is still attached (merge or remove it
  /// first) or when `directory` is the base folder itself.
  public static func write(_ model: LoRAHost, to directory: URL, copyingFrom baseDirectory: URL? = nil) throws {
    if let attached = model.linearSlots.first(where: { $0.layer is LoRALinear }) {
      throw PEFTError(file: directory.path, "module '\(attached.name)' still has an adapter: merge (or remove) it before writing a plain checkpoint")
    }
    if let base = baseDirectory, OutputPath.sameFile(base.path, directory.path) {
      throw PEFTError(file: directory.path, "refusing to overwrite the base model's own folder; write the merged model elsewhere")
    }
    try checkDestination(directory)
    let fm = FileManager.default
    let parent = directory.deletingLastPathComponent()
    let temporary = parent.appendingPathComponent(".\(directory.lastPathComponent).tmp-\(UUID().uuidString)")
    do {
      try fm.createDirectory(at: parent, withIntermediateDirectories: true)
      try fm.createDirectory(at: temporary, withIntermediateDirectories: false)
    } catch {
      throw PEFTError(file: directory.path, "cannot create the model folder: \(error.localizedDescription)")
    }
    do {
      try model.writeConfig(to: temporary.appendingPathComponent("config.json"))
      try SafeTensorsWriter.write(model.checkpointParameters.map { ($0.name, $0.value) }, metadata: ["format": "pt"],
                                  to: temporary.appendingPathComponent("model.safetensors"))
      if let base = baseDirectory {
        for name in companionFiles {
          let from = base.appendingPathComponent(name)
          guard InputFile.kind(from.path) != nil else { continue }
          do {
            try InputFile.read(from.path, what: "model file").write(to: temporary.appendingPathComponent(name), options: .atomic)
          } catch {
            throw PEFTError(file: from.path, "cannot copy into \(directory.path): \(error)")
          }
        }
      }
      // rename(2) replaces an empty folder (checked above) and never merges into a full one.
      guard rename(temporary.path, directory.path) == 0 else {
        throw PEFTError(file: directory.path, "cannot move the merged model into place: \(String(cString: strerror(errno)))")
      }
    } catch {
      try? fm.removeItem(at: temporary)
      throw error
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
