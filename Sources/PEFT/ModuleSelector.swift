/// Which modules a PEFT method adapts, matched against full Hugging Face module names
/// (`text_model.encoder.layers.0.self_attn.q_proj`) exactly as PEFT's `check_target_module_exists`
/// does:
/// - `.names`: a module matches when its name equals an entry or ends with `"." + entry`
///   (so `q_proj` and `self_attn.q_proj` both select every query projection);
/// - `.pattern`: a module matches when the regular expression matches the *whole* name
///   (Python's `re.fullmatch`; Swift's regex syntax, which agrees with Python's for the usual
///   constructs: classes, `\d`, `\.`, groups, alternation, quantifiers).
public enum ModuleSelector: Sendable, Equatable, CustomStringConvertible {
  case names([String])
  case pattern(String)

  /// Does `moduleName` (a full HF module name) match? Precondition: `validate()` passed.
  public func matches(_ moduleName: String) -> Bool {
    switch self {
    case .names(let names):
      return names.contains { moduleName == $0 || moduleName.hasSuffix("." + $0) }
    case .pattern(let pattern):
      guard let regex = try? Regex(pattern) else { return false }
      return (try? regex.wholeMatch(in: moduleName)) != nil
    }
  }

  /// Names the selector that matches nothing among `moduleNames`: each unmatched entry of a list,
  /// or the pattern itself.
  public func unmatched(in moduleNames: [String]) -> [String] {
    switch self {
    case .names(let names):
      return names.filter { name in !moduleNames.contains { ModuleSelector.names([name]).matches($0) } }
    case .pattern(let pattern):
      return moduleNames.contains(where: matches) ? [] : [pattern]
    }
  }

  /// Checks the selector is usable: a non-empty list of non-empty names, or a regex that compiles.
  /// `field` names the setting in messages (`target_modules`).
  public func validate(field: String) throws {
    switch self {
    case .names(let names):
      guard !names.isEmpty else { throw PEFTError("\(field) is empty: name at least one module (e.g. q_proj)") }
      if names.contains(where: \.isEmpty) { throw PEFTError("\(field) contains an empty module name") }
    case .pattern(let pattern):
      guard !pattern.isEmpty else { throw PEFTError("\(field) is an empty regular expression") }
      do { _ = try Regex(pattern) } catch {
        throw PEFTError("\(field) regular expression '\(pattern)' does not compile: \(error)")
      }
    }
  }

  public var description: String {
    switch self {
    case .names(let names): return "[" + names.map { "'\($0)'" }.joined(separator: ", ") + "]"
    case .pattern(let pattern): return "'\(pattern)' (regex)"
    }
  }
}
