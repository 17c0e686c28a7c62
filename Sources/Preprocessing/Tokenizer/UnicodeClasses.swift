/// Character classes of the CLIP pre-tokenizer regex
/// `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
/// as the `tokenizers` library (Oniguruma) evaluates it on Unicode scalars.
enum ScalarClass: UInt8 {
  /// `\s`: the Unicode White_Space property (U+0009–000D, U+0020, U+0085, U+00A0, U+1680,
  /// U+2000–200A, U+2028, U+2029, U+202F, U+205F, U+3000). Not U+001C–001F, U+180E, U+200B, U+FEFF.
  case space
  /// `\p{L}`: general category Lu, Ll, Lt, Lm or Lo (not "alphabetic": marks are not letters).
  case letter
  /// `\p{N}`: general category Nd, Nl or No.
  case number
  /// Everything else (punctuation, symbols, marks, controls, unassigned...).
  case other

  /// Classes of the ASCII scalars.
  static let ascii: [ScalarClass] = (0..<128).map { v in
    switch UInt8(v) {
    case 0x09...0x0D, 0x20: return .space
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
    default: return .other
    }
  }

  /// Unicode version of the classes in `tokenizers` 0.23 (its Oniguruma): scalars assigned later
  /// are unassigned there, so never letters, numbers or space.
  static let unicodeVersion = Unicode.Version(major: 16, minor: 0)

  /// The class as `tokenizers` sees it.
  init(_ s: Unicode.Scalar) {
    if s.value < 128 { self = ScalarClass.ascii[Int(s.value)]; return }
    let p = s.properties
    if p.isWhitespace {
      self = .space
    } else {
      switch p.generalCategory {
      case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
        self = .letter
      case .decimalNumber, .letterNumber, .otherNumber:
        self = .number
      default:
        self = .other
        return
      }
    }
    if !CLIPNormalizer.isKnown(s, in: ScalarClass.unicodeVersion) { self = .other }
  }
}

/// Python's `str.isspace()` (used by `str.strip()` in the CLIP decode): bidirectional class WS, B or
/// S, or category Zs.
func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
  switch s.value {
  case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
    0x3000:
    return true
  default:
    return false
  }
}
