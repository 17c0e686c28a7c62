import Foundation
import Preprocessing
import TestSupport

/// Fixtures written by Scripts/fixtures/make_tokenizer_fixtures.py (transformers' ids and decodes).
enum TokenizerFixtures {
  struct Case: Decodable {
    let text: String
    let ids: [Int]
    let ids_77: [Int]
    let ids_16: [Int]
    let decoded: String
    let decoded_skip_special: String
    let open_clip_ids: [Int]?
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
    let start_token: Int
    let end_token: Int
  }

  struct File: Decodable {
    let meta: Meta
    let cases: [Case]
    let decode_cases: [DecodeCase]
  }

  struct SmallCase: Decodable {
    let text: String
    let ids: [Int]
  }

  struct SmallFile: Decodable {
    let merges: Int
    let vocabulary_size: Int
    let cases: [SmallCase]
  }

  static let file: File = load("tokenizer/cases.json")
  static let small: SmallFile = load("tokenizer/small/cases.json")

  static let hfFolder = Fixtures.url("tokenizer/clip")
  static let openAIGz = Fixtures.url("tokenizer/bpe_simple_vocab_16e6.txt.gz")

  /// Loaded once and shared by the tests (the tokenizer is thread-safe).
  static let fromFolder: CLIPTokenizer = try! CLIPTokenizer(modelDirectory: hfFolder)
  static let fromGz: CLIPTokenizer = try! CLIPTokenizer(openAIBPE: openAIGz)

  private static func load<T: Decodable>(_ path: String) -> T {
    let data = try! Data(contentsOf: Fixtures.url(path))
    return try! JSONDecoder().decode(T.self, from: data)
  }

  /// The text with every non-printable-ASCII scalar escaped, for failure messages.
  static func show(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      if u.value >= 0x20 && u.value < 0x7F && u != "\\" && u != "\"" {
        out.unicodeScalars.append(u)
      } else {
        out += "\\u{\(String(u.value, radix: 16))}"
      }
    }
    return out + "\""
  }

  /// The fixtures' folders.
  static let smallFolder = Fixtures.url("tokenizer/small")

  /// Exact comparison by Unicode scalars (`String ==` treats canonically equivalent text as equal).
  static func sameScalars(_ a: String, _ b: String) -> Bool {
    Array(a.unicodeScalars) == Array(b.unicodeScalars)
  }
}

/// splitmix64: a small seeded generator, the same as the fixture script's (reproducible tests).
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
