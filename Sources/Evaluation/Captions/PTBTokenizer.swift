/// The tokenisation pycocoevalcap applies to every caption before BLEU and CIDEr: Stanford CoreNLP
/// 3.4.1's `PTBTokenizer` run with `-preserveLines -lowerCase`, then the tokens of pycocoevalcap's
/// `PUNCTUATIONS` list (`punctuations` here: quotes, `.` `?` `!` `,` `:` `;` `-` `--` `...` and
/// the upper-case bracket names) dropped, and the rest joined with single spaces.
///
/// A reimplementation of the Java lexer's rules for caption-like English (docs/caption-metrics.md
/// lists them and what is not covered), checked token for token against the jar on every caption
/// of Tests/Fixtures/captions. The filter compares after lower-casing, as pycocoevalcap does, so
/// brackets survive as `-lrb-` `-rrb-` `-lsb-` `-rsb-` `-lcb-` `-rcb-`, and runs such as `?!`,
/// `!!` and `??` (one token each) survive too.
public enum PTBTokenizer {
  /// pycocoevalcap's `PUNCTUATIONS`: tokens removed after tokenisation (compared case-sensitively
  /// with the lower-cased tokens, so the upper-case bracket names never match).
  public static let punctuations: Set<String> = ["''", "'", "``", "`", "-LRB-", "-RRB-", "-LCB-", "-RCB-",
                                                 ".", "?", "!", ",", ":", "-", "--", "...", ";"]

  /// The caption as pycocoevalcap's `PTBTokenizer.tokenize` returns it: lower-cased tokens without
  /// punctuation, separated by single spaces ("" when nothing is left).
  public static func tokenize(_ caption: String) -> String {
    tokens(caption).map { $0.lowercased() }.filter { !punctuations.contains($0) }.joined(separator: " ")
  }

  /// The Java tokenizer's tokens (before lower-casing and the punctuation filter).
  public static func tokens(_ caption: String) -> [String] {
    var out: [String] = []
    let s = joinFractions(caption)
    func isSpace(_ c: Character) -> Bool { c.isWhitespace && c != "\u{00A0}" }
    var i = 0
    while i < s.count {
      if isSpace(s[i]) { i += 1; continue }
      var end = i
      while end < s.count && !isSpace(s[end]) { end += 1 }
      // "no. 3": one plain space, then a digit.
      let numberFollows = end + 1 < s.count && s[end] == " " && s[end + 1].isASCII && s[end + 1].isNumber
      scanChunk(Array(s[i..<end]), numberFollows: numberFollows, into: &out)
      i = end
    }
    return out
  }

  /// The text with every no-break space made a plain space, then the single space of a number
  /// followed by a fraction ("5 1/2") made a no-break space: the lexer keeps "5\u{00A0}1/2" as one
  /// token, which pycocoevalcap's `split(' ')` leaves whole (and BLEU's and CIDEr's `split()`
  /// later split).
  static func joinFractions(_ text: String) -> [Character] {
    var s = Array(text.replacingOccurrences(of: "\u{00A0}", with: " "))
    var i = 1
    while i + 1 < s.count {
      if s[i] == " ", s[i - 1].isNumber, s[i + 1].isNumber, plainInteger(before: i, in: s) {
        var j = i + 1
        while j < s.count && s[j].isNumber { j += 1 }
        if j + 1 < s.count, s[j] == "/", s[j + 1].isNumber {
          var k = j + 1
          while k < s.count && s[k].isNumber { k += 1 }
          if k == s.count || !isWordChar(s[k]) { s[i] = "\u{00A0}" }
        }
      }
      i += 1
    }
    return s
  }

  /// Whether the digits before `i` are a whole number: not preceded by a letter, digit, `,`, `.`
  /// or `/` ("5 1/2" and "$5 1/2" join; "10,000 1/2", "3.5 1/2" and "1/2 1/2" do not).
  static func plainInteger(before i: Int, in s: [Character]) -> Bool {
    var j = i - 1
    while j >= 0 && s[j].isASCII && s[j].isNumber { j -= 1 }
    return j < 0 || !(isWordChar(s[j]) || s[j] == "," || s[j] == "." || s[j] == "/")
  }

  /// Abbreviations whose final period stays on the word (CoreNLP 3.4.1's lists, as far as they
  /// concern captions), lower-case, without the period.
  static let abbreviations: Set<String> = [
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "etc", "vs", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mt", "ft", "ave", "cf", "gen", "sen", "rep", "col", "lt", "sgt", "capt", "gov", "rev", "messrs", "bros", "bldg", "tel", "ext",
  ]

  /// Abbreviations that keep their period only before a number ("no. 3", "fig. 2"; "no." else
  /// splits), lower-case, without the period.
  static let numberAbbreviations: Set<String> = ["no", "nos", "fig", "figs", "ca", "pp", "art", "op", "prop"]

  /// Whole words the lexer splits in two (lower-case): "cannot" → "can" "not", "gonna" → "gon" "na".
  static let splitWords: [String: Int] = ["cannot": 3, "gonna": 3, "gotta": 3, "wanna": 3, "gimme": 3, "lemme": 3]

  /// Letters, digits and `_`; not the vulgar fractions, which become tokens of their own.
  static func isWordChar(_ c: Character) -> Bool {
    (c.isLetter || c.isNumber || c == "_") && !"\u{00BC}\u{00BD}\u{00BE}".contains(c)
  }

  /// The tokens of one whitespace-free stretch of the caption, appended to `out`; `numberFollows`
  /// says one space and a digit come after it (for "no. 3").
  static func scanChunk(_ s: [Character], numberFollows: Bool = false, into out: inout [String]) {
    var i = 0
    let n = s.count
    while i < n {
      let c = s[i]
      switch c {
      case "(": out.append("-LRB-"); i += 1
      case ")": out.append("-RRB-"); i += 1
      case "[": out.append("-LSB-"); i += 1
      case "]": out.append("-RSB-"); i += 1
      case "{": out.append("-LCB-"); i += 1
      case "}": out.append("-RCB-"); i += 1
      case "\"", "\u{201C}", "\u{201D}", "\u{201E}":
        let opening = c == "\u{201C}" || c == "\u{201E}" || (c == "\"" && (out.isEmpty || i == 0))
        out.append(opening ? "``" : "''"); i += 1
      case "`", "\u{2018}": out.append("`"); i += 1
      case "'", "\u{2019}":
        // An apostrophe not inside a word (inside ones are taken by the word scan): a contraction
        // after a closing quote or bracket ("dog"'s), else a quote.
        if c == "'", i + 1 < n, s[i + 1] == "'" {
          out.append("''"); i += 2  // two apostrophes are one closing quote: dogs''s → dogs '' s
        } else if let k = contractionAfterApostrophe(s, at: i) {
          out.append("'" + String(s[(i + 1)..<(i + 1 + k)])); i += 1 + k
        } else {
          out.append(i == 0 && i + 1 < n && isWordChar(s[i + 1]) ? "`" : "'"); i += 1
        }
      case "\u{2026}": out.append("..."); i += 1
      case "\u{2014}", "\u{2013}": out.append("--"); i += 1
      case ".":
        var j = i
        while j < n && s[j] == "." { j += 1 }
        out.append(j - i >= 3 ? "..." : "."); i = j == i + 2 ? i + 1 : j
      case "-":
        var j = i
        while j < n && s[j] == "-" { j += 1 }
        out.append(j - i >= 2 ? "--" : "-"); i = j
      case "?", "!":
        var j = i
        while j < n && (s[j] == "?" || s[j] == "!") { j += 1 }
        out.append(String(s[i..<j])); i = j
      case "\u{00A3}": out.append("#"); i += 1
      case "\u{20AC}": out.append("$"); i += 1
      case "\u{00BD}": out.append("1/2"); i += 1
      case "\u{00BC}": out.append("1/4"); i += 1
      case "\u{00BE}": out.append("3/4"); i += 1
      default:
        if isWordChar(c) || ((c == "@" || c == "#") && i + 1 < n && s[i + 1].isLetter) {
          i = scanWord(s, from: i, numberFollows: numberFollows, into: &out)
        } else {
          out.append(String(c)); i += 1
        }
      }
    }
  }

  /// A word: letters and digits joined by `-` `.` `/` `'` `&` (between word characters; `&` only
  /// between capitals, as in "AT&T") and `,` `:` (between digits), plus a final period when the
  /// word is an abbreviation; then contractions split off. Returns the index after the word.
  static func scanWord(_ s: [Character], from start: Int, numberFollows: Bool, into out: inout [String]) -> Int {
    let n = s.count
    var j = start + 1
    while j < n {
      let c = s[j]
      if isWordChar(c) || c == "@" { j += 1; continue }
      if c == "\u{00A0}" { j += 1; continue }  // "5\u{00A0}1/2", made by joinFractions
      guard j + 1 < n, isWordChar(s[j + 1]), isWordChar(s[j - 1]) else { break }
      let joins: Bool
      switch c {
      case "-", ".", "/": joins = true
      case "'", "\u{2019}": joins = true
      case ",", ":": joins = s[j - 1].isNumber && s[j + 1].isNumber
      case "&": joins = s[j - 1].isUppercase && s[j + 1].isUppercase
      default: joins = false
      }
      if !joins { break }
      j += 1
    }
    var word = String(s[start..<j])
    let beforeNumber = numberFollows && j + 1 == n && numberAbbreviations.contains(word.lowercased())
    if j < n, s[j] == ".", isAbbreviation(word) || beforeNumber || (j + 1 < n && ",;:".contains(s[j + 1])) {
      word += "."
      j += 1
    }
    splitContractions(word, into: &out)
    return j
  }

  /// The length of the contraction (s, re, ll, d, ve, m; any case) after the apostrophe at `i`
  /// when no letter or digit follows it, else nil.
  static func contractionAfterApostrophe(_ s: [Character], at i: Int) -> Int? {
    for suffix in ["s", "re", "ll", "d", "ve", "m"] {
      let end = i + 1 + suffix.count
      guard end <= s.count, String(s[(i + 1)..<end]).lowercased() == suffix else { continue }
      if end == s.count || !isWordChar(s[end]) { return suffix.count }
    }
    return nil
  }

  /// "u.s" + "." (letters separated by periods), a single letter ("a."), or a listed abbreviation.
  static func isAbbreviation(_ word: String) -> Bool {
    let lower = word.lowercased()
    if abbreviations.contains(lower) { return true }
    let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
    return parts.allSatisfy { $0.count == 1 && $0.first!.isLetter }
  }

  /// n't 's 're 'll 'd 've 'm (any case, straight or curly apostrophe) split off the word, as
  /// often as they occur at its end ("you've's" → "you" "'ve" "'s"), and the lexer's split words
  /// (cannot, gonna, …).
  static func splitContractions(_ word: String, into out: inout [String]) {
    var w = word.replacingOccurrences(of: "\u{2019}", with: "'")
    var suffixes: [String] = []
    peeling: while true {
      let lower = w.lowercased()
      if lower.hasSuffix("n't"), w.count > 3 {
        suffixes.insert(String(w.suffix(3)), at: 0); w = String(w.dropLast(3)); continue
      }
      for suffix in ["'s", "'re", "'ll", "'d", "'ve", "'m"] where lower.hasSuffix(suffix) && w.count > suffix.count {
        let stem = w.dropLast(suffix.count)
        if let last = stem.last, last.isLetter || last.isNumber {
          suffixes.insert(String(w.suffix(suffix.count)), at: 0); w = String(stem); continue peeling
        }
      }
      break
    }
    if let k = splitWords[w.lowercased()] {
      out.append(String(w.prefix(k))); out.append(String(w.dropFirst(k)))
    } else {
      out.append(w)
    }
    out.append(contentsOf: suffixes)
  }
}
