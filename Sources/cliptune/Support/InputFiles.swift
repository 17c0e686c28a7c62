import ArgumentParser
import Datasets
import Foundation
import Tensors

/// A problem with a file the user gave on the command line.
struct InputError: Error, CustomStringConvertible {
  let file: String
  let message: String
  var description: String { "\(file): \(message)" }
}

enum InputFiles {
  /// Largest text file (`--texts`, `--image-list`) read whole.
  static let textLimit = 1 << 30

  /// Lines of a UTF-8 text file; lines end at `\n`, `\r\n` or a lone `\r`, a leading byte-order
  /// mark is skipped, and a final line break does not make an extra line. An empty file is an
  /// error, as is anything but a regular file (read with `InputFile.read`, size-limited).
  static func lines(_ path: String, what: String) throws -> [String] {
    let data = try InputFile.read(path, what: "\(what) file", limit: textLimit)
    guard let text = String(data: data, encoding: .utf8) else { throw InputError(file: path, message: "not UTF-8 text") }
    let lines = TextLines.split(text)
    guard !lines.isEmpty else { throw InputError(file: path, message: "no \(what) (the file is empty)") }
    return lines
  }

  /// Image paths from `--images` and an `--image-list` file (one path per line, relative to the
  /// list's folder; blank lines skipped). Every file must exist and be a regular file.
  static func images(_ direct: [String], list: String?) throws -> [URL] {
    var urls = direct.map { URL(fileURLWithPath: $0) }
    if let list {
      let base = URL(fileURLWithPath: list).deletingLastPathComponent()
      for line in try lines(list, what: "image paths") {
        let path = line.trimmingCharacters(in: .whitespaces)
        if path.isEmpty { continue }
        urls.append(path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path))
      }
    }
    for url in urls { try InputFile.checkRegular(url.path, what: "image file") }
    return urls
  }

  /// Writes `data` atomically (temporary file in the same folder, then rename), after
  /// `OutputPath.checkFile`: only over nothing or a regular file that is none of `inputs`.
  static func writeAtomically(_ data: Data, to path: String, inputs: [OutputPath.Input] = []) throws {
    try OutputPath.checkFile(path, inputs: inputs)
    do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
      throw InputError(file: path, message: "cannot write: \(error.localizedDescription)")
    }
  }

  /// Pretty JSON of an Encodable value, keys in declaration order.
  static func json<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
    return try encoder.encode(value)
  }

  /// The inputs of a command that loads `--model` (and maybe `--adapter`): the files those folders
  /// are read from (other files in them are not inputs).
  static func modelInputs(_ model: ModelOptions) -> [OutputPath.Input] {
    let modelFiles = ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json",
                      "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"]
    let adapterFiles = ["adapter_config.json", "adapter_model.safetensors"]
    func files(_ folder: String, _ names: [String], _ flag: String) -> [OutputPath.Input] {
      names.map { OutputPath.Input(URL(fileURLWithPath: folder).appendingPathComponent($0).path, role: "\($0) of the \(flag) folder") }
    }
    return files(model.model, modelFiles, "--model") + (model.adapter.map { files($0, adapterFiles, "--adapter") } ?? [])
  }
}

/// Limits shared by the inference commands (`embed`, `eval retrieval`, `zero-shot`).
enum InferenceLimits {
  static let maxBatchSize = 65536

  static func check(_ model: ModelOptions) throws {
    guard model.batchSize <= maxBatchSize else {
      throw ValidationError("--batch-size must be at most \(maxBatchSize), got \(model.batchSize)")
    }
  }
}
