import Foundation
import Tensors

/// Which byte-level BPE tokenizer a model folder's `vocab.json` + `merges.txt` are for.
public enum TokenizerFamily: String, Sendable, Equatable {
  /// CLIP's (`CLIPTokenizer`): lowercased, `</w>` word ends, start and end tokens added.
  case clip
  /// GPT-2's (`GPT2Tokenizer`): raw text, no `</w>`, no tokens added.
  case gpt2

  /// `config.json` files above this size are refused unread.
  static let maxConfigBytes = 16 << 20

  /// The family of the tokenizer in `modelDirectory`, by this rule:
  /// 1. If the folder has a `config.json` whose `model_type` is a string: `"gpt2"` is GPT-2; any
  ///    other value (`"clip"`, `"clip_text_model"`...) is CLIP.
  /// 2. Otherwise (no `config.json`, or no `model_type` in it): CLIP if some token of `vocab.json`
  ///    ends in `</w>` (every CLIP vocabulary has 256 of them), GPT-2 if none does.
  /// - Throws: `TokenizerError` naming the file for a `config.json` that is not a JSON object, or
  ///   a missing or malformed `vocab.json` when it has to be read.
  public static func detect(modelDirectory: URL) throws -> TokenizerFamily {
    let config = modelDirectory.appendingPathComponent("config.json")
    if InputFile.kind(config.path) != nil {
      let data: Data
      do {
        data = try InputFile.read(config.path, what: "config.json", limit: maxConfigBytes)
      } catch let e as InputFileError {
        throw TokenizerError(.unreadable, file: config, e.message)
      }
      guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw TokenizerError(.malformedConfig, file: config, "is not a JSON object")
      }
      if let type = object["model_type"] as? String { return type == "gpt2" ? .gpt2 : .clip }
    }
    let (vocab, _) = try TokenizerFiles.folderFiles(modelDirectory, tokenizer: "a tokenizer")
    let suffix = Array("</w>".utf8)
    let tokens = try VocabularyJSON.parse(try TokenizerFiles.read(vocab), file: vocab)
    return tokens.contains { $0.token.count >= suffix.count && $0.token.suffix(suffix.count).elementsEqual(suffix) } ? .clip : .gpt2
  }
}
