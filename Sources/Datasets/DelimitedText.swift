/// RFC 4180 delimited text (CSV with `,`, TSV with tab), parsed on UTF-8 bytes.
///
/// - Records end at LF or CRLF; a trailing line break and blank lines are ignored.
/// - A field that starts with `"` is quoted: it runs to the next lone `"`, may contain the
///   delimiter and line breaks, and `""` inside it stands for one `"`. After the closing quote
///   only the delimiter or a line break may follow.
/// - A `"` anywhere else in a field is an ordinary character (as in Python's csv module), so
///   unquoted captions containing quotes still load.
/// - A leading UTF-8 byte-order mark is skipped.
enum DelimitedText {
  /// One parsed record and the 1-based line on which it starts.
  struct Row {
    var fields: [String]
    var line: Int
  }

  static func rows(_ bytes: [UInt8], delimiter: UInt8) throws -> [Row] {
    let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    var rows: [Row] = []
    var fields: [String] = []
    var field: [UInt8] = []
    var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    var line = 1, rowLine = 1
    var fieldStarted = false   // the current record has some content

    func endField() {
      fields.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
    }
    func endRecord() {
      if fieldStarted || !fields.isEmpty {
        endField()
        rows.append(Row(fields: fields, line: rowLine))
      }
      fields = []
      fieldStarted = false
    }

    while i < bytes.count {
      let b = bytes[i]
      if b == quote && field.isEmpty {
        // Quoted field.
        let openLine = line
        i += 1
        while true {
          guard i < bytes.count else {
            throw FormatProblem("line \(openLine): quoted field is never closed")
          }
          let c = bytes[i]
          if c == quote {
            if i + 1 < bytes.count && bytes[i + 1] == quote {
              field.append(quote)
              i += 2
              continue
            }
            i += 1
            break
          }
          if c == lf { line += 1 }
          field.append(c)
          i += 1
        }
        fieldStarted = true
        if i < bytes.count {
          let next = bytes[i]
          let lineBreak = next == lf || (next == cr && i + 1 < bytes.count && bytes[i + 1] == lf)
          guard next == delimiter || lineBreak else {
            throw FormatProblem("line \(line): unexpected character after a closing quote (a quote inside a quoted field must be doubled)")
          }
        }
        continue
      }
      if b == delimiter {
        endField()
        fieldStarted = true
        i += 1
      } else if b == lf || (b == cr && i + 1 < bytes.count && bytes[i + 1] == lf) {
        endRecord()
        i += b == cr ? 2 : 1
        line += 1
        rowLine = line
      } else {
        field.append(b)
        fieldStarted = true
        i += 1
      }
    }
    endRecord()
    return rows
  }
}
