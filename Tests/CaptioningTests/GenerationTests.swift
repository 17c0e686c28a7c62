import Captioning
import Foundation
import Layers
import SafeTensors
import Tensors
import TestSupport
import Testing

/// Caption generation against transformers 5's `VisionEncoderDecoderModel.generate` on a tiny random
/// model (Scripts/fixtures/make_generation_fixtures.py): the KV-cache steps reproduce the full
/// forward's logits (≤ 1e-5 of their scale), greedy and beam search return the very same ids for
/// every case, and GenerationConfig reads and checks the settings files.
struct GenerationTests {
  static let fixture = try! SafeTensorsFile(contentsOf: Fixtures.url("generation/decoder.safetensors"))

  static func decoder() throws -> GPT2Decoder {
    let decoder = GPT2Decoder(vocabulary: 64, positions: 32, dim: 16, heads: 4, layers: 2, hidden: 64)
    for p in decoder.parameters { p.value = try fixture.tensor(p.name) }
    return decoder
  }

  /// Rows `images` of e [B, S, C].
  static func states(_ images: [Int]) throws -> Tensor {
    let e = try fixture.tensor("encoder_states"), per = e.shape[1] * e.shape[2]
    return Tensor(shape: [images.count, e.shape[1], e.shape[2]], data: images.flatMap { e.data[($0 * per)..<(($0 + 1) * per)] })
  }

  static func ids() throws -> [[Int]] {
    let t = try fixture.tensor("ids")
    return (0..<t.shape[0]).map { r in (0..<t.shape[1]).map { Int(t.data[r * t.shape[1] + $0]) } }
  }

  // MARK: KV cache

  @Test func cachedStepsMatchTheFullForward() throws {
    let decoder = try Self.decoder(), e = try Self.states(Array(0..<5)), ids = try Self.ids()
    let full = decoder.forward(ids, encoder: e)  // [5, 7, 64]
    if let m = mismatches(full.data, try Self.fixture.tensor("logits").data, tolerance: 1e-5, relative: true) {
      Issue.record("forward vs transformers: \(m)")
    }
    var cache = decoder.makeCache(encoderStates: e)
    let (t, v) = (ids[0].count, decoder.vocabulary)
    for step in 0..<t {
      #expect(cache.length == step)
      let logits = decoder.step(ids.map { $0[step] }, cache: &cache)
      #expect(logits.shape == [5, v])
      var expected = [Float]()
      for r in 0..<5 { let at = (r * t + step) * v; expected += full.data[at..<(at + v)] }
      if let m = mismatches(logits.data, expected, tolerance: 1e-5, relative: true) { Issue.record("step \(step): \(m)") }
    }
  }

  /// Two rows per image, reordered mid-way as beam search does (a row copied twice, rows dropped):
  /// each row's logits are still those of the full forward on the history it now holds.
  @Test func reorderedRowsKeepTheirHistories() throws {
    let decoder = try Self.decoder(), ids = try Self.ids(), v = decoder.vocabulary
    let e = try Self.states([1, 3])
    var cache = decoder.makeCache(encoderStates: e, rowsPerImage: 2)
    var histories = [ids[0], ids[1], ids[2], ids[3]].map { Array($0.prefix(3)) }  // rows 0, 1 → image 1; 2, 3 → image 3
    var images = [0, 0, 1, 1]
    for step in 0..<3 { _ = decoder.step(histories.map { $0[step] }, cache: &cache) }
    let order = [1, 1, 3]  // row 1 twice (image 1), row 3 (image 3); rows 0 and 2 are dropped
    cache.reorder(rows: order)
    histories = order.map { histories[$0] }
    images = order.map { images[$0] }
    #expect(cache.rowImage == images)
    for step in 3..<6 {
      let next = histories.indices.map { ids[4][step] + $0 }  // new tokens differ per row
      let logits = decoder.step(next, cache: &cache)
      for r in histories.indices { histories[r].append(next[r]) }
      let full = decoder.forward(histories, encoder: try Self.states(images.map { [1, 3][$0] }))
      let n = histories[0].count
      var expected = [Float]()
      for r in histories.indices { let at = (r * n + n - 1) * v; expected += full.data[at..<(at + v)] }
      if let m = mismatches(logits.data, expected, tolerance: 1e-5, relative: true) { Issue.record("step \(step): \(m)") }
    }
  }

  // MARK: generate() parity

  struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let kwargs: [String: JSONValue]
    let images: [Int]
    let sequences: [[Int]]
    var testDescription: String { name }
  }

  /// JSON scalars and lists of the cases file, kept Sendable for the test arguments.
  enum JSONValue: Sendable {
    case int(Int), double(Double), bool(Bool), string(String), ints([Int])
    var any: Any {
      switch self {
      case .int(let i): return i
      case .double(let d): return d
      case .bool(let b): return b
      case .string(let s): return s
      case .ints(let l): return l
      }
    }
    init(_ raw: Any) {
      if let n = raw as? NSNumber, n.isBoolean { self = .bool(n.boolValue) }
      else if let n = raw as? NSNumber, n.doubleValue == n.doubleValue.rounded(), !(String(describing: raw).contains(".")) {
        self = .int(n.intValue)
      } else if let n = raw as? NSNumber { self = .double(n.doubleValue) }
      else if let s = raw as? String { self = .string(s) }
      else { self = .ints((raw as! [NSNumber]).map(\.intValue)) }
    }
  }

  static let cases: [Case] = {
    let data = try! Data(contentsOf: Fixtures.url("generation/cases.json"))
    let root = try! JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    return root.keys.sorted().map { name in
      let c = root[name]!
      return Case(name: name, kwargs: (c["kwargs"] as! [String: Any]).mapValues(JSONValue.init),
                  images: c["images"] as! [Int], sequences: c["sequences"] as! [[Int]])
    }
  }()

  @Test(arguments: cases)
  func matchesTransformersGenerate(_ c: Case) throws {
    // The model's generation_config as the fixture sets it, overridden by generate's keyword arguments.
    var json: [String: Any] = ["decoder_start_token_id": 0, "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0]
    for (k, v) in c.kwargs { json[k] = v.any }
    let config = try GenerationConfig(json: json, file: c.name)
    let out = try generate(decoder: try Self.decoder(), encoderStates: try Self.states(c.images), config: config)
    #expect(out.count == c.sequences.count)
    for (i, (got, want)) in zip(out, c.sequences).enumerated() where got != want {
      Issue.record("\(c.name), image \(c.images[i]): got \(got), transformers \(want)")
      break
    }
  }

  /// 9 images × 4 beams = 36 cache rows, past DecodeGEMM.maxRows: the BLAS path, the same ids.
  @Test func manyRowsGiveTheSameIDs() throws {
    let want = Self.cases.first { $0.name == "beam4_es_false" }!
    let config = GenerationConfig(decoderStartTokenID: 0, eosTokenIDs: [0], padTokenID: 0, maxLength: 12, numBeams: 4)
    let images = [0, 1, 2, 3, 4, 0, 1, 2, 3]
    let out = try generate(decoder: try Self.decoder(), encoderStates: try Self.states(images), config: config)
    #expect(out == images.map { want.sequences[$0] })
  }

  @Test func captionTokensDropStartAndEnd() {
    let config = GenerationConfig(decoderStartTokenID: 0, eosTokenIDs: [0, 7], padTokenID: 0)
    #expect(captionTokens([0, 23, 61, 50, 0, 0, 0], config: config) == [23, 61, 50])
    #expect(captionTokens([0, 5, 7, 0], config: config) == [5])
    #expect(captionTokens([0, 50, 50, 50], config: config) == [50, 50, 50])
    #expect(captionTokens([0, 0, 0], config: config) == [])
  }

  // MARK: GenerationConfig

  @Test func readsGenerationConfigJSON() throws {
    let config = try GenerationConfig.load(directory: Fixtures.url("generation"))
    #expect(config.decoderStartTokenID == 0 && config.bosTokenID == 0 && config.padTokenID == 0)
    #expect(config.eosTokenIDs == [0, 5])
    #expect(config.maxLength == 16 && config.totalMaxLength == 16 && config.maxNewTokens == nil)
    #expect(config.numBeams == 4 && config.lengthPenalty == 0.8 && config.earlyStopping == .whenFull)
    #expect(config.noRepeatNGramSize == 3 && config.minLength == 2 && config.totalMinLength == 2)
    #expect(config.file.hasSuffix("generation_config.json"))
  }

  /// Without generation_config.json: config.json's top level, then its decoder section.
  @Test func fallsBackToTheModelConfig() throws {
    let dir = Fixtures.temporaryDirectory("generation-config")
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.copyItem(at: Fixtures.url("generation/config.json"), to: dir.appendingPathComponent("config.json"))
    let config = try GenerationConfig.load(directory: dir)
    #expect(config.startTokenID == 0 && config.eosTokenIDs == [0] && config.effectivePadTokenID == 0)
    #expect(config.numBeams == 1 && config.maxLength == nil && config.totalMaxLength == 21)
    #expect(config.earlyStopping == .heuristic && config.lengthPenalty == 1)

    // The decoder section fills what the top level leaves unset, never overrides it.
    let json = #"{"decoder_start_token_id": 3, "max_length": 9, "decoder": {"bos_token_id": 4, "eos_token_id": 5, "max_length": 20, "num_beams": 2}}"#
    try json.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    let mixed = try GenerationConfig.load(directory: dir)
    #expect(mixed.decoderStartTokenID == 3 && mixed.bosTokenID == 4 && mixed.eosTokenIDs == [5])
    #expect(mixed.maxLength == 9 && mixed.numBeams == 2 && mixed.effectivePadTokenID == 5)
    #expect(GenerationConfig(maxNewTokens: 6).totalMaxLength == 7)
    #expect(GenerationConfig(minLength: 3, minNewTokens: 4).totalMinLength == 5)
  }

  static let badValues: [(String, String)] = [
    (#"{"decoder_start_token_id": 0, "num_beams": 0}"#, "num_beams must be at least 1"),
    (#"{"decoder_start_token_id": 0, "max_length": 0}"#, "max_length must be at least 1"),
    (#"{"decoder_start_token_id": 0, "max_length": 1}"#, "leaves no room"),
    (#"{"decoder_start_token_id": 0, "max_new_tokens": 0}"#, "max_new_tokens must be at least 1"),
    (#"{"eos_token_id": 0}"#, "missing decoder_start_token_id"),
    (#"{"decoder_start_token_id": 0, "eos_token_id": -2}"#, "eos_token_id -2 is outside the vocabulary"),
    (#"{"decoder_start_token_id": 0, "eos_token_id": [0, "x"]}"#, "'eos_token_id' must be an integer"),
    (#"{"decoder_start_token_id": 0, "do_sample": true, "temperature": 0.7}"#, "only greedy and beam search are supported"),
    (#"{"decoder_start_token_id": 0, "early_stopping": "sometimes"}"#, "'early_stopping' must be true, false or \"never\""),
    (#"{"decoder_start_token_id": 0, "num_beams": 2.5}"#, "'num_beams' must be an integer"),
    (#"{"decoder_start_token_id": 0, "num_return_sequences": 2}"#, "only 1 is supported"),
    (#"{"decoder_start_token_id": 0, "repetition_penalty": 1.2}"#, "'repetition_penalty' is 1.2: not supported"),
    (#"{"decoder_start_token_id": 0, "forced_eos_token_id": 0}"#, "'forced_eos_token_id' is set"),
    (#"{"decoder_start_token_id": 0, "no_repeat_ngram_size": -1}"#, "no_repeat_ngram_size must be 0 or more"),
    (#"[1, 2]"#, "not a JSON object"),
  ]

  @Test func badValuesAreClearErrorsNamingTheFile() throws {
    let dir = Fixtures.temporaryDirectory("generation-config")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("generation_config.json")
    for (json, needle) in Self.badValues {
      try json.write(to: url, atomically: true, encoding: .utf8)
      do {
        let config = try GenerationConfig.load(directory: dir)
        Issue.record("\(json): accepted as \(config)")
      } catch let e as CaptioningError {
        #expect(e.file == url.path, "\(json): error names \(e.file)")
        #expect(e.description.contains(needle), "\(json): \(e)")
      }
    }
    let missing = dir.appendingPathComponent("none")
    #expect(throws: CaptioningError.self) { try GenerationConfig.load(directory: missing) }
  }

  /// Values that only the decoder can judge: errors from generate, before any decoding.
  @Test func configMustFitTheDecoder() throws {
    let decoder = try Self.decoder(), e = try Self.states([0])
    let cases: [(GenerationConfig, String)] = [
      (GenerationConfig(decoderStartTokenID: 0, eosTokenIDs: [64], file: "g.json"), "g.json: eos_token_id 64 is outside the vocabulary (0..<64)"),
      (GenerationConfig(decoderStartTokenID: 70), "decoder_start_token_id 70 is outside the vocabulary"),
      (GenerationConfig(decoderStartTokenID: 0, padTokenID: 99), "pad_token_id 99 is outside the vocabulary"),
      (GenerationConfig(decoderStartTokenID: 0, maxLength: 40), "max_length 40 (start token included) exceeds the decoder's 32 positions"),
      (GenerationConfig(decoderStartTokenID: 0, numBeams: 0), "num_beams must be at least 1"),
    ]
    for (config, needle) in cases {
      do {
        _ = try generate(decoder: decoder, encoderStates: e, config: config)
        Issue.record("accepted: \(config)")
      } catch let error as CaptioningError {
        #expect(error.description.contains(needle), "\(error)")
      }
    }
    #expect(throws: CaptioningError.self) {
      try generate(decoder: decoder, encoderStates: Tensor(zeros: [1, 4, 8]), config: GenerationConfig(decoderStartTokenID: 0))
    }
  }
}
