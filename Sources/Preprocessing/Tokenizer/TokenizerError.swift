import Foundation

/// Why a tokenizer could not be loaded (or written): names the file (or folder) and what is wrong with it.
public struct TokenizerError: Error, CustomStringConvertible {
  /// What went wrong, broadly.
  public enum Kind: Sendable, Equatable {
    /// The file or folder does not exist.
    case missingFile
    /// The file exists but could not be read.
    case unreadable
    /// `vocab.json` is not a JSON object of token → non-negative integer id.
    case malformedVocabulary
    /// A line of the merges is not two tokens, or names a token the vocabulary lacks.
    case malformedMerges
    /// The `.gz` file is not valid gzip/deflate data (or its checksum does not match).
    case malformedGzip
    /// The vocabulary lacks `<|startoftext|>` or `<|endoftext|>` (CLIP), or lacks `<|endoftext|>`
    /// and the id it would be given is taken (GPT-2).
    case missingSpecialToken
    /// A model folder's `config.json` is not a JSON object.
    case malformedConfig
    /// The file or folder could not be created or written.
    case unwritable
  }

  /// The file or folder concerned.
  public let file: URL
  /// What went wrong, broadly.
  public let kind: Kind
  /// What went wrong, in words (line numbers, offending tokens...).
  public let message: String

  /// Creates an error about `file`.
  public init(_ kind: Kind, file: URL, _ message: String) {
    self.kind = kind
    self.file = file
    self.message = message
  }

  public var description: String { "\(file.path): \(message)" }
}
