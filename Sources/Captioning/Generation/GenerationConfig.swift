import Foundation
import Tensors

/// The generation settings of a `VisionEncoderDecoderModel`, read as transformers 5 reads them:
/// `generation_config.json` when the model folder has one; otherwise `config.json`'s top-level
/// values, with the `decoder` section's filling those the top level leaves unset.
///
/// Only deterministic decoding: greedy (num_beams 1) and beam search. Lengths count the decoder
/// start token: `max_length` is the length of the returned sequences at most (start included);
/// `max_new_tokens`, when set, wins (max_length = max_new_tokens + 1); with neither set anywhere
/// the default is transformers' "20 new tokens" (21 with the start token). `min_length` /
/// `min_new_tokens` forbid EOS before that length, like `MinLengthLogitsProcessor`.
public struct GenerationConfig: Sendable, Equatable {
  /// transformers' `early_stopping`: `false` stops a beam search when the best running beam, scored
  /// at its current length, cannot beat the worst finished one; `true` as soon as num_beams
  /// hypotheses are finished; `"never"` when no running beam could beat them at any length.
  public enum EarlyStopping: String, Sendable, Equatable {
    case heuristic = "false", whenFull = "true", never
  }

  public var decoderStartTokenID: Int?
  public var bosTokenID: Int?
  /// End-of-sequence ids (`eos_token_id`, an int or a list); empty: generation only stops at max length.
  public var eosTokenIDs: [Int]
  public var padTokenID: Int?
  /// Total length of the returned sequences at most, start token included; nil: 20 new tokens.
  public var maxLength: Int?
  public var maxNewTokens: Int?
  public var minLength: Int
  public var minNewTokens: Int?
  /// 1: greedy search; more: beam search.
  public var numBeams: Int
  /// Finished hypotheses score sum(log p) / (generated tokens)^length_penalty.
  public var lengthPenalty: Double
  public var earlyStopping: EarlyStopping
  /// No n-gram of this size occurs twice in a sequence (the start token counts); 0: off.
  public var noRepeatNGramSize: Int
  /// The file the values came from ("" when built in code): errors name it.
  public var file: String

  public init(decoderStartTokenID: Int? = nil, bosTokenID: Int? = nil, eosTokenIDs: [Int] = [], padTokenID: Int? = nil,
              maxLength: Int? = nil, maxNewTokens: Int? = nil, minLength: Int = 0, minNewTokens: Int? = nil,
              numBeams: Int = 1, lengthPenalty: Double = 1, earlyStopping: EarlyStopping = .heuristic,
              noRepeatNGramSize: Int = 0, file: String = "") {
    self.decoderStartTokenID = decoderStartTokenID
    self.bosTokenID = bosTokenID
    self.eosTokenIDs = eosTokenIDs
    self.padTokenID = padTokenID
    self.maxLength = maxLength
    self.maxNewTokens = maxNewTokens
    self.minLength = minLength
    self.minNewTokens = minNewTokens
    self.numBeams = numBeams
    self.lengthPenalty = lengthPenalty
    self.earlyStopping = earlyStopping
    self.noRepeatNGramSize = noRepeatNGramSize
    self.file = file
  }

  /// The settings of the model folder `directory`: its `generation_config.json`, or else its `config.json`.
  public static func load(directory: URL) throws -> GenerationConfig {
    let generation = directory.appendingPathComponent("generation_config.json")
    if FileManager.default.fileExists(atPath: generation.path) { return try load(contentsOf: generation) }
    let config = directory.appendingPathComponent("config.json")
    guard FileManager.default.fileExists(atPath: config.path) else {
      throw CaptioningError(file: directory.path, "neither generation_config.json nor config.json is here")
    }
    return try load(contentsOf: config, modelConfig: true)
  }

  /// Reads one file: a `generation_config.json`, or with `modelConfig` a model's `config.json`
  /// (top level first, then its `decoder` section for what the top level leaves unset).
  public static func load(contentsOf url: URL, modelConfig: Bool = false) throws -> GenerationConfig {
    let file = url.path
    let data: Data
    do { data = try InputFile.read(file, what: "generation config", limit: 16 << 20) } catch let e as InputFileError {
      throw CaptioningError(file: file, e.message)
    }
    guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
      throw CaptioningError(file: file, "not a JSON object")
    }
    var fields = root
    if modelConfig {
      let reader = JSONFieldReader(file: file) { CaptioningError(file: $0, $1) }
      if let decoder = try reader.object(root, "decoder", "") {
        for (key, value) in decoder where !(value is NSNull) && (fields[key] == nil || fields[key] is NSNull) {
          fields[key] = value
        }
      }
    }
    return try GenerationConfig(json: fields, file: file)
  }

  /// Settings from parsed JSON (transformers' key names; absent or null keys keep the defaults).
  /// Sampling and the logits processors not implemented here are refused when set to anything but
  /// their no-op values.
  public init(json d: [String: Any], file: String = "") throws {
    let r = JSONFieldReader(file: file) { CaptioningError(file: $0, $1) }
    self.init(file: file)
    if try r.bool(d, "do_sample", "", default: false) {
      throw r.error("'do_sample' is true: only greedy and beam search are supported (do_sample false)")
    }
    decoderStartTokenID = try r.optionalInt(d, "decoder_start_token_id", "")
    bosTokenID = try r.optionalInt(d, "bos_token_id", "")
    padTokenID = try r.optionalInt(d, "pad_token_id", "")
    switch d["eos_token_id"] {
    case nil, is NSNull: eosTokenIDs = []
    case let list as [Any]:
      eosTokenIDs = try list.indices.map { try r.int(["eos_token_id": list[$0]], "eos_token_id", "", default: 0) }
    default: eosTokenIDs = [try r.int(d, "eos_token_id", "", default: 0)]
    }
    maxLength = try r.optionalInt(d, "max_length", "")
    maxNewTokens = try r.optionalInt(d, "max_new_tokens", "")
    minLength = try r.int(d, "min_length", "", default: 0)
    minNewTokens = try r.optionalInt(d, "min_new_tokens", "")
    numBeams = try r.int(d, "num_beams", "", default: 1)
    lengthPenalty = try r.double(d, "length_penalty", "", default: 1)
    noRepeatNGramSize = try r.int(d, "no_repeat_ngram_size", "", default: 0)
    switch d["early_stopping"] {
    case nil, is NSNull: earlyStopping = .heuristic
    case let s as String:
      guard s == "never" else { throw r.error("'early_stopping' must be true, false or \"never\", found \"\(s)\"") }
      earlyStopping = .never
    default: earlyStopping = try r.bool(d, "early_stopping", "", default: false) ? .whenFull : .heuristic
    }
    let returns = try r.int(d, "num_return_sequences", "", default: 1)
    guard returns == 1 else { throw r.error("'num_return_sequences' is \(returns): only 1 is supported") }
    try Self.refuseUnsupported(d, r)
    try validate()
  }

  /// Keys whose non-default values select a decoding feature this implementation lacks.
  private static func refuseUnsupported(_ d: [String: Any], _ r: JSONFieldReader) throws {
    let noOps: [(String, Double)] = [("repetition_penalty", 1), ("encoder_repetition_penalty", 1), ("diversity_penalty", 0),
                                     ("guidance_scale", 1), ("num_beam_groups", 1), ("encoder_no_repeat_ngram_size", 0)]
    for (key, neutral) in noOps {
      let value = try r.double(d, key, "", default: neutral)
      if value != neutral { throw r.error("'\(key)' is \(value): not supported (only greedy and beam search without it)") }
    }
    for key in ["bad_words_ids", "force_words_ids", "constraints", "forced_bos_token_id", "forced_eos_token_id",
                "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "sequence_bias",
                "stop_strings", "max_time", "prompt_lookup_num_tokens"] {
      if let v = d[key], !(v is NSNull) { throw r.error("'\(key)' is set: not supported by this generator") }
    }
    if let a = d["penalty_alpha"], !(a is NSNull), try r.double(d, "penalty_alpha", "", default: 0) > 0,
       try r.int(d, "top_k", "", default: 50) > 1 {
      throw r.error("'penalty_alpha' selects contrastive search: only greedy and beam search are supported")
    }
    if try r.bool(d, "low_memory", "", default: false) { throw r.error("'low_memory' is not supported with beam search") }
  }

  /// The start token: decoder_start_token_id, or bos_token_id when that is unset (as transformers falls back).
  public var startTokenID: Int? { decoderStartTokenID ?? bosTokenID }

  /// The id that pads finished sequences: pad_token_id, or the first EOS id when that is unset.
  public var effectivePadTokenID: Int? { padTokenID ?? eosTokenIDs.first }

  /// Length of the returned sequences at most (start token included): max_new_tokens + 1 when set,
  /// else max_length, else 21 (20 new tokens).
  public var totalMaxLength: Int {
    if let maxNewTokens { return maxNewTokens + 1 }
    return maxLength ?? 21
  }

  /// Length below which EOS is forbidden (start token included): the larger of min_length and min_new_tokens + 1.
  public var totalMinLength: Int { Swift.max(minLength, minNewTokens.map { $0 + 1 } ?? 0) }

  /// Checks the values among themselves; with `vocabulary` and `positions`, also against the decoder.
  /// Errors name `file` when the values came from one.
  public func validate(vocabulary: Int? = nil, positions: Int? = nil) throws {
    func fail(_ message: String) -> CaptioningError { CaptioningError(file: file, message) }
    guard numBeams >= 1 else { throw fail("num_beams must be at least 1, found \(numBeams)") }
    if let maxLength, maxLength < 1 { throw fail("max_length must be at least 1, found \(maxLength)") }
    if let maxNewTokens, maxNewTokens < 1 { throw fail("max_new_tokens must be at least 1, found \(maxNewTokens)") }
    if totalMaxLength < 2 {
      throw fail("max_length \(totalMaxLength) leaves no room for a token after the decoder start token")
    }
    guard minLength >= 0 else { throw fail("min_length must be 0 or more, found \(minLength)") }
    if let minNewTokens, minNewTokens < 0 { throw fail("min_new_tokens must be 0 or more, found \(minNewTokens)") }
    guard noRepeatNGramSize >= 0 else { throw fail("no_repeat_ngram_size must be 0 or more, found \(noRepeatNGramSize)") }
    guard lengthPenalty.isFinite else { throw fail("length_penalty must be a finite number, found \(lengthPenalty)") }
    guard let start = startTokenID else {
      throw fail("missing decoder_start_token_id (and no bos_token_id to fall back on): the decoder needs a start token")
    }
    let named: [(String, Int)] = [("decoder_start_token_id", start)] + eosTokenIDs.map { ("eos_token_id", $0) }
      + (effectivePadTokenID.map { [("pad_token_id", $0)] } ?? [])
    for (key, id) in named where id < 0 || vocabulary.map({ id >= $0 }) == true {
      throw fail("\(key) \(id) is outside the vocabulary" + (vocabulary.map { " (0..<\($0))" } ?? " (ids are 0 or more)"))
    }
    if let vocabulary, numBeams > 1, vocabulary < Swift.max(2, 1 + eosTokenIDs.count) {
      throw fail("beam search keeps \(Swift.max(2, 1 + eosTokenIDs.count)) candidates a beam: the vocabulary of \(vocabulary) is too small")
    }
    if let positions, totalMaxLength > positions {
      throw fail("max_length \(totalMaxLength) (start token included) exceeds the decoder's \(positions) positions (n_positions)")
    }
  }
}
