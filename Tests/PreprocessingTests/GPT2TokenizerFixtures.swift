import Foundation
import Preprocessing
import TestSupport
import Testing

/// Fixtures written by Scripts/fixtures/make_gpt2_tokenizer_fixtures.py (transformers' GPT2Tokenizer
/// ids, pre-tokenizer pieces and decodes on a tiny trained vocabulary).
enum GPT2TokenizerFixtures {
  struct Case: Decodable {
    let text: String
    let ids: [Int]
    let pieces: [String]
    let decoded: String
    let decoded_skip_special: String
  }

  struct DecodeCase: Decodable {
    let ids: [Int]
    let decoded: String
    let decoded_skip_special: String
  }

  struct Meta: Decodable {
    let tokenizer_class: String
    let is_fast: Bool
    let vocabulary_size: Int
    let merges: Int
    let end_token: Int
    let slow_mismatches: [[String: [Int]]]?
  }

  struct File: Decodable {
    let meta: Meta
    let cases: [Case]
    let decode_cases: [DecodeCase]
  }

  static let folder = Fixtures.url("gpt2/tiny")
  static let file: File = {
    let data = try! Data(contentsOf: folder.appendingPathComponent("cases.json"))
    return try! JSONDecoder().decode(File.self, from: data)
  }()

  /// Records one issue listing the first mismatches (not the whole list, which can be long).
  static func expectNone(_ bad: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let none = bad.isEmpty
    #expect(none, "\(bad.count) mismatches, the first:\n\(bad.prefix(15).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
  }

  /// Loaded once and shared by the tests (the tokenizer is thread-safe).
  static let tokenizer: GPT2Tokenizer = try! GPT2Tokenizer(modelDirectory: folder)
}
