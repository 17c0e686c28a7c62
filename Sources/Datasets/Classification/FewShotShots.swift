extension FewShotSampler {
  /// How many training images per class a draw takes.
  public enum Shots: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// Every training image (no randomness).
    case all
    /// `K` images per class.
    case perClass(Int)

    /// Parses `all` or a positive integer (`16`); nil for anything else.
    public init?(_ text: String) {
      if text == "all" { self = .all; return }
      guard let k = Int(text), k > 0 else { return nil }
      self = .perClass(k)
    }

    /// `all` or the number, as `init?(_:)` reads it.
    public var description: String {
      switch self {
      case .all: return "all"
      case .perClass(let k): return String(k)
      }
    }

    /// Encoded as the number `K` or the string `"all"`.
    public init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let k = try? c.decode(Int.self) { self = .perClass(k); return }
      guard try c.decode(String.self) == "all" else {
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "shots must be a number or \"all\"")
      }
      self = .all
    }

    public func encode(to encoder: Encoder) throws {
      var c = encoder.singleValueContainer()
      switch self {
      case .all: try c.encode("all")
      case .perClass(let k): try c.encode(k)
      }
    }
  }
}
