import Foundation

/// CSV/TSV caption tables: a header row naming at least the columns `filepath` and `caption`
/// (matched case-insensitively; other columns are ignored), then one caption per row. Rows with
/// the same `filepath` form one image with several captions, in order of first appearance.
enum CaptionTable {
  static func records(_ bytes: [UInt8], delimiter: UInt8) throws -> [CaptionRecord] {
    let rows = try DelimitedText.rows(bytes, delimiter: delimiter)
    guard let header = rows.first else { throw FormatProblem("no header row (the file has no text)") }
    let columns = header.fields.map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
    let missing = ["filepath", "caption"].filter { !columns.contains($0) }
    guard missing.isEmpty else {
      let found = header.fields.map { "'\($0)'" }.joined(separator: ", ")
      let separator = delimiter == UInt8(ascii: "\t") ? "tab" : "'\(Character(Unicode.Scalar(delimiter)))'"
      throw FormatProblem("header lacks column\(missing.count > 1 ? "s" : "") \(missing.map { "'\($0)'" }.joined(separator: " and ")) (found \(found), separated by \(separator))")
    }
    let pathColumn = columns.firstIndex(of: "filepath")!
    let captionColumn = columns.firstIndex(of: "caption")!
    guard rows.count > 1 else { throw FormatProblem("no rows after the header") }

    var records: [CaptionRecord] = []
    var index: [String: Int] = [:]
    for row in rows.dropFirst() {
      guard row.fields.count == columns.count else {
        throw FormatProblem("line \(row.line): \(row.fields.count) fields, but the header has \(columns.count)")
      }
      let path = row.fields[pathColumn]
      guard !path.isEmpty else { throw FormatProblem("line \(row.line): empty filepath") }
      if let i = index[path] {
        records[i].captions.append(row.fields[captionColumn])
      } else {
        index[path] = records.count
        records.append(CaptionRecord(path: path, captions: [row.fields[captionColumn]], split: nil))
      }
    }
    return records
  }
}
