import Foundation

/// The normalizer of transformers' CLIPTokenizer — NFC, whitespace runs → " ", lowercase — with the
/// Unicode data the `tokenizers` library (0.23) actually uses, which differs from Swift 6.3's:
/// - its NFC (`unicode-normalization-alignments`) has Unicode 9.0 tables: scalars assigned later are
///   unknown to it (combining class 0, no decomposition, no composition);
/// - its regex classes (Oniguruma) know Unicode 16.0 (see `ScalarClass`);
/// - its lowercasing (Rust `char::to_lowercase`, per scalar) knows Unicode 17.0, like Swift 6.3.
/// Whitespace runs need no replacing here: the split that follows drops whitespace anyway.
enum CLIPNormalizer {
  /// Unicode version of `tokenizers`' NFC tables.
  static let nfcUnicodeVersion = Unicode.Version(major: 9, minor: 0)

  /// Whether scalar `s` was assigned in Unicode `version` or earlier (unassigned scalars count as
  /// known: they are unassigned in every version).
  @inline(__always)
  static func isKnown(_ s: Unicode.Scalar, in version: Unicode.Version) -> Bool {
    guard let age = s.properties.age else { return true }
    return age.major < version.major || (age.major == version.major && age.minor <= version.minor)
  }

  private enum Run { case plain, hangul, unknown }

  /// NFC as `tokenizers` computes it. Scalars its Unicode 9.0 tables do not know are starters that
  /// compose with nothing, so they split the text into independent runs. Hangul jamo and syllables
  /// are composed here (Foundation gets them wrong, see `appendHangul`); being starters that compose
  /// only with each other, they too split the text. Foundation normalizes the runs in between.
  static func nfc(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    // Below U+0300 every scalar is NFC-stable and never combines with what precedes it.
    guard scalars.contains(where: { $0.value >= 0x300 }) else { return scalars }
    var out: [Unicode.Scalar] = []
    out.reserveCapacity(scalars.count)
    var run: [Unicode.Scalar] = []
    var kind = Run.plain
    func flush() {
      switch kind {
      case .plain: appendFoundationNFC(run, to: &out)
      case .hangul: appendHangul(run, to: &out)
      case .unknown: out.append(contentsOf: run)
      }
      run.removeAll(keepingCapacity: true)
    }
    for s in scalars {
      let k: Run
      switch s.value {
      case 0..<0x300: k = .plain
      case 0x1100...0x11FF, 0xAC00...0xD7A3: k = .hangul
      default: k = isKnown(s, in: nfcUnicodeVersion) ? .plain : .unknown
      }
      if k != kind {
        flush()
        kind = k
      }
      run.append(s)
    }
    flush()
    return out
  }

  /// Foundation's NFC. NFC depends only on the canonical decomposition, so decomposing a scalar
  /// beforehand changes nothing in principle; Foundation (Swift 6.3) fails to reorder the marks of
  /// U+0F73/0F75/0F81 (non-starter decompositions) among neighbouring marks unless they come
  /// decomposed, so they (and U+0344, the fourth such scalar) are decomposed first.
  private static func appendFoundationNFC(_ run: [Unicode.Scalar], to out: inout [Unicode.Scalar]) {
    guard run.contains(where: { $0.value >= 0x300 }) else {
      out.append(contentsOf: run)
      return
    }
    var text = String.UnicodeScalarView()
    for s in run {
      switch s.value {
      case 0x0344: text.append(contentsOf: ["\u{0308}", "\u{0301}"])
      case 0x0F73: text.append(contentsOf: ["\u{0F71}", "\u{0F72}"])
      case 0x0F75: text.append(contentsOf: ["\u{0F71}", "\u{0F74}"])
      case 0x0F81: text.append(contentsOf: ["\u{0F71}", "\u{0F80}"])
      default: text.append(s)
      }
    }
    out.append(contentsOf: String(text).precomposedStringWithCanonicalMapping.unicodeScalars)
  }

  /// Hangul composition (Unicode §3.12) of a run of jamo and syllables: L + V → LV, LV + T → LVT.
  /// Foundation leaves a precomposed LV syllable and a following T apart, and composes with
  /// U+11A7 and U+11C3, which are not trailing consonants.
  private static func appendHangul(_ run: [Unicode.Scalar], to out: inout [Unicode.Scalar]) {
    let sBase: UInt32 = 0xAC00, lBase: UInt32 = 0x1100, vBase: UInt32 = 0x1161, tBase: UInt32 = 0x11A7
    var jamo: [UInt32] = []
    for s in run.map(\.value) {
      if (sBase...0xD7A3).contains(s) {
        let index = s - sBase
        jamo.append(lBase + index / 588)
        jamo.append(vBase + (index % 588) / 28)
        if index % 28 != 0 { jamo.append(tBase + index % 28) }
      } else {
        jamo.append(s)
      }
    }
    var composed: [UInt32] = []
    for j in jamo {
      if let last = composed.last {
        if (lBase...0x1112).contains(last), (vBase...0x1175).contains(j) {
          composed[composed.count - 1] = sBase + ((last - lBase) * 21 + (j - vBase)) * 28
          continue
        }
        if (sBase...0xD7A3).contains(last), (last - sBase) % 28 == 0, (0x11A8...0x11C2).contains(j) {
          composed[composed.count - 1] = last + (j - tBase)
          continue
        }
      }
      composed.append(j)
    }
    out.append(contentsOf: composed.map { Unicode.Scalar($0)! })
  }

  /// Appends the lowercase of `s` (full mapping, no context: Σ is always σ) to `out`.
  @inline(__always)
  static func appendLowercase(_ s: Unicode.Scalar, to out: inout [Unicode.Scalar]) {
    if s.value < 0x80 {
      out.append((0x41...0x5A).contains(s.value) ? Unicode.Scalar(s.value | 0x20)! : s)
    } else if s.properties.changesWhenLowercased {
      out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
    } else {
      out.append(s)
    }
  }
}
