import Foundation

/// Typed reads of `adapter_config.json` fields; a wrong type is an error naming the key.
struct JSONFields {
  let root: [String: Any]
  let fail: (String) -> PEFTError

  init(_ root: [String: Any], fail: @escaping (String) -> PEFTError) {
    self.root = root
    self.fail = fail
  }

  /// The value under `key`, nil when absent or JSON null.
  private func value(_ key: String) -> Any? {
    guard let v = root[key], !(v is NSNull) else { return nil }
    return v
  }

  private static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

  func integer(_ key: String) throws -> Int? {
    guard let v = value(key) else { return nil }
    guard let n = v as? NSNumber, !Self.isBool(n), n.doubleValue == n.doubleValue.rounded() else {
      throw fail("'\(key)' must be an integer, found \(v)")
    }
    guard abs(n.doubleValue) <= 9_007_199_254_740_992 else { throw fail("'\(key)' is \(v), far outside any sensible range") }
    return n.intValue
  }

  func number(_ key: String) throws -> Double? {
    guard let v = value(key) else { return nil }
    guard let n = v as? NSNumber, !Self.isBool(n) else { throw fail("'\(key)' must be a number, found \(v)") }
    return n.doubleValue
  }

  func bool(_ key: String) throws -> Bool? {
    guard let v = value(key) else { return nil }
    guard let n = v as? NSNumber, Self.isBool(n) else { throw fail("'\(key)' must be true or false, found \(v)") }
    return n.boolValue
  }

  /// A module selector: a list of strings (PEFT writes its set as a list) or one regex string.
  func selector(_ key: String) throws -> ModuleSelector? {
    guard let v = value(key) else { return nil }
    if let pattern = v as? String { return .pattern(pattern) }
    if let list = v as? [Any] {
      let names = list.compactMap { $0 as? String }
      guard names.count == list.count else { throw fail("'\(key)' must list module names as strings, found \(v)") }
      return .names(names)
    }
    throw fail("'\(key)' must be a list of module names or a regex string, found \(v)")
  }

  /// Python truthiness of a JSON value (null, false, 0, "", [] and {} are false).
  private func isSet(_ key: String) -> Bool {
    switch value(key) {
    case nil: return false
    case let n as NSNumber: return n.doubleValue != 0
    case let s as String: return !s.isEmpty
    case let a as [Any]: return !a.isEmpty
    case let d as [String: Any]: return !d.isEmpty
    default: return true
    }
  }

  /// Throws for settings that change what a LoRA adapter computes or holds beyond plain LoRA on
  /// Linear layers: LoRA variants (DoRA, aLoRA, Arrow, …), biases, per-module ranks or alphas,
  /// layer selection, extra saved modules.
  func rejectUnsupportedLoRAFeatures() throws {
    let unsupported: [(key: String, what: String)] = [
      ("use_dora", "DoRA"), ("use_qalora", "QA-LoRA"), ("lora_bias", "LoRA biases"),
      ("alora_invocation_tokens", "aLoRA"), ("arrow_config", "Arrow"), ("velora_config", "VeLoRA"),
      ("monteclora_config", "MonteCLoRA"), ("use_bdlora", "BD-LoRA"), ("kasa_config", "KaSA"),
      ("rank_pattern", "per-module ranks (rank_pattern)"), ("alpha_pattern", "per-module alphas (alpha_pattern)"),
      ("layers_to_transform", "layer selection (layers_to_transform)"), ("layer_replication", "layer replication"),
      ("modules_to_save", "extra trained modules (modules_to_save)"), ("target_parameters", "target_parameters"),
      ("trainable_token_indices", "trainable tokens"),
    ]
    for (key, what) in unsupported where isSet(key) {
      throw fail("'\(key)' is set: \(what) is not supported by ClipTune, which loads plain LoRA adapters")
    }
    if let bias = value("bias"), (bias as? String) != "none" {
      throw fail("'bias' is \(bias); only \"none\" is supported (PEFT saves trained biases otherwise)")
    }
    if let initWeights = value("init_lora_weights") as? String, initWeights == "mica" {
      throw fail("'init_lora_weights' is \"mica\", a LoRA variant ClipTune does not support")
    }
  }
}
