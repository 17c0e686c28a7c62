import Foundation

extension HTMLReport {
  /// One image with its reference captions and the captions of several models side by side
  /// (the base model's and the fine-tuned one's).
  public struct CaptionExample {
    public var image: URL
    public var label: String
    public var references: [String]
    /// One caption per column title.
    public var captions: [String]
    public init(image: URL, label: String, references: [String], captions: [String]) {
      self.image = image
      self.label = label
      self.references = references
      self.captions = captions
    }
  }

  /// A table: image, its ground-truth captions, then one generated caption per `columnTitles`
  /// entry. A generated caption equal to a reference (ignoring case and surrounding spaces) is
  /// marked. Image paths are made relative to `reportFolder`.
  public mutating func captionExamples(_ examples: [CaptionExample], columnTitles: [String], reportFolder: URL) {
    func norm(_ s: String) -> String { s.lowercased().trimmingCharacters(in: .whitespacesAndNewlines) }
    var html = "<table class=\"cmp\"><tr><th>image</th><th>ground truth</th>"
      + columnTitles.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
    for e in examples {
      let refs = Set(e.references.map(norm))
      html += "<tr><td><img src=\"\(HTML.escape(Self.relativePath(from: reportFolder, to: e.image)))\" alt=\"\(HTML.escape(e.label))\">"
      html += "<div class=\"label\">\(HTML.escape(e.label))</div></td>"
      html += "<td><ol>" + e.references.map { "<li class=\"miss\">\(HTML.escape($0))</li>" }.joined() + "</ol></td>"
      for c in e.captions {
        html += "<td class=\"\(refs.contains(norm(c)) ? "hit" : "miss")\">\(HTML.escape(c))</td>"
      }
      html += "</tr>"
    }
    append(html + "</table>")
  }
}
