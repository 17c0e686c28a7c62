/// Splitting text files into lines the way users' editors write them.
public enum TextLines {
  /// The lines of `text`: a line ends at `\n`, `\r\n` or a lone `\r`; a leading byte-order mark
  /// (U+FEFF) is dropped; a final line break does not make an extra empty line. Swift treats
  /// `"\r\n"` as one `Character`, so splitting on `"\n"` alone would leave CRLF files whole.
  public static func split(_ text: String) -> [String] {
    var scalars = Substring(text).unicodeScalars[...]
    if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
    var lines: [String] = []
    var current = String.UnicodeScalarView()
    var previousCR = false
    for s in scalars {
      if s == "\n" {
        if previousCR { previousCR = false; continue }  // the \n of a \r\n
        lines.append(String(current)); current = .init()
      } else if s == "\r" {
        lines.append(String(current)); current = .init()
        previousCR = true
        continue
      } else {
        current.append(s)
      }
      previousCR = false
    }
    if !current.isEmpty { lines.append(String(current)) }
    return lines
  }
}
