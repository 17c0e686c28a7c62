import Foundation

/// Typed access to the fields of a parsed JSON object (`JSONSerialization`) with defaults, and
/// errors that name the file and the dotted key. `makeError(file, message)` builds the module's
/// own error type (`CLIPError`, `CaptioningError`, …).
public struct JSONFieldReader {
  public let file: String
  let makeError: (String, String) -> Error

  public init(file: String, makeError: @escaping (String, String) -> Error) {
    self.file = file
    self.makeError = makeError
  }

  private func path(_ section: String, _ key: String) -> String { section.isEmpty ? key : "\(section).\(key)" }

  /// An error about this file.
  public func error(_ message: String) -> Error { makeError(file, message) }

  /// `d[key]` as an integer (absent or null: `value`); a fraction, a boolean, a string or a
  /// number beyond ±2^53 is an error.
  public func int(_ d: [String: Any], _ key: String, _ section: String, default value: Int) throws -> Int {
    guard let raw = d[key], !(raw is NSNull) else { return value }
    if let n = raw as? NSNumber, !n.isBoolean, n.doubleValue == n.doubleValue.rounded() {
      // Beyond ±2^53 a JSON number is no longer an exact integer (and `intValue` may wrap).
      guard abs(n.doubleValue) <= 9_007_199_254_740_992 else {
        throw makeError(file, "'\(path(section, key))' is \(raw), far outside any sensible range")
      }
      return n.intValue
    }
    throw makeError(file, "'\(path(section, key))' must be an integer, found \(raw)")
  }

  /// `d[key]` as an integer, or nil when absent or null.
  public func optionalInt(_ d: [String: Any], _ key: String, _ section: String) throws -> Int? {
    guard d[key] != nil, !(d[key] is NSNull) else { return nil }
    return try int(d, key, section, default: 0)
  }

  /// `d[key]` as a number (absent or null: `value`).
  public func double(_ d: [String: Any], _ key: String, _ section: String, default value: Double) throws -> Double {
    guard let raw = d[key], !(raw is NSNull) else { return value }
    if let n = raw as? NSNumber, !n.isBoolean { return n.doubleValue }
    throw makeError(file, "'\(path(section, key))' must be a number, found \(raw)")
  }

  /// `d[key]` as a string (absent or null: `value`).
  public func string(_ d: [String: Any], _ key: String, _ section: String, default value: String) throws -> String {
    guard let raw = d[key], !(raw is NSNull) else { return value }
    if let s = raw as? String { return s }
    throw makeError(file, "'\(path(section, key))' must be a string, found \(raw)")
  }

  /// `d[key]` as a boolean (absent or null: `value`).
  public func bool(_ d: [String: Any], _ key: String, _ section: String, default value: Bool) throws -> Bool {
    guard let raw = d[key], !(raw is NSNull) else { return value }
    if let n = raw as? NSNumber, n.isBoolean { return n.boolValue }
    throw makeError(file, "'\(path(section, key))' must be true or false, found \(raw)")
  }

  /// `d[key]` as a JSON object, or nil when absent or null.
  public func object(_ d: [String: Any], _ key: String, _ section: String) throws -> [String: Any]? {
    guard let raw = d[key], !(raw is NSNull) else { return nil }
    if let o = raw as? [String: Any] { return o }
    throw makeError(file, "'\(path(section, key))' must be an object, found \(raw)")
  }
}

extension NSNumber {
  /// JSON `true`/`false` arrive as NSNumber too; their Objective-C type code is `c` (char).
  public var isBoolean: Bool { String(cString: objCType) == "c" }
}
