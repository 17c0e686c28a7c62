import Foundation

/// A self-contained HTML page of headings, tables, inline SVG charts and retrieval examples.
/// Images are linked by paths relative to the page, so the run folder can be opened in a browser
/// where it was written (or moved together with the data).
public struct HTMLReport {
  public var title: String
  private var body: [String] = []

  /// Appends raw HTML (the caller escapes what it interpolates).
  mutating func append(_ html: String) { body.append(html) }

  public init(title: String) { self.title = title }

  public mutating func heading(_ text: String) { body.append("<h2>\(HTML.escape(text))</h2>") }

  public mutating func paragraph(_ text: String) { body.append("<p>\(HTML.escape(text))</p>") }

  /// A table; cells are text (escaped).
  public mutating func table(headers: [String], rows: [[String]]) {
    var html = "<table><thead><tr>" + headers.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
    for row in rows { html += "<tr>" + row.map { "<td>\(HTML.escape($0))</td>" }.joined() + "</tr>" }
    body.append(html + "</tbody></table>")
  }

  /// Inline SVG markup (from `SVGLineChart` / `SVGHeatMap`), several per row.
  public mutating func figures(_ svgs: [String]) {
    body.append("<div class=\"figs\">" + svgs.map { "<figure>\($0)</figure>" }.joined() + "</div>")
  }

  /// One image with its top-ranked captions; `correct` captions are marked.
  public struct RetrievalExample {
    public var image: URL
    public var label: String
    public var captions: [(text: String, score: Double, correct: Bool)]
    public init(image: URL, label: String, captions: [(text: String, score: Double, correct: Bool)]) {
      self.image = image
      self.label = label
      self.captions = captions
    }
  }

  /// Cards of images with their top captions; image paths are made relative to `reportFolder`.
  public mutating func retrievalExamples(_ examples: [RetrievalExample], reportFolder: URL) {
    var html = "<div class=\"cards\">"
    for e in examples {
      html += "<div class=\"card\"><img src=\"\(HTML.escape(Self.relativePath(from: reportFolder, to: e.image)))\" alt=\"\(HTML.escape(e.label))\">"
      html += "<div class=\"label\">\(HTML.escape(e.label))</div><ol>"
      for c in e.captions {
        html += "<li class=\"\(c.correct ? "hit" : "miss")\">\(HTML.escape(c.text)) <span class=\"score\">\(String(format: "%.3f", c.score))</span></li>"
      }
      html += "</ol></div>"
    }
    body.append(html + "</div>")
  }

  /// One image with several ranked caption lists side by side (e.g. before and after fine-tuning).
  public struct ComparisonExample {
    public var image: URL
    public var label: String
    /// One list per column, each best first.
    public var columns: [[(text: String, score: Double, correct: Bool)]]
    public init(image: URL, label: String, columns: [[(text: String, score: Double, correct: Bool)]]) {
      self.image = image
      self.label = label
      self.columns = columns
    }
  }

  /// Rows of an image followed by one ranked caption list per column title; image paths are made
  /// relative to `reportFolder`; `correct` captions are marked.
  public mutating func comparisonExamples(_ examples: [ComparisonExample], columnTitles: [String], reportFolder: URL) {
    var html = "<table class=\"cmp\"><tr><th>image</th>" + columnTitles.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>"
    for e in examples {
      html += "<tr><td><img src=\"\(HTML.escape(Self.relativePath(from: reportFolder, to: e.image)))\" alt=\"\(HTML.escape(e.label))\">"
      html += "<div class=\"label\">\(HTML.escape(e.label))</div></td>"
      for column in e.columns {
        html += "<td><ol>" + column.map { c in
          "<li class=\"\(c.correct ? "hit" : "miss")\">\(HTML.escape(c.text)) <span class=\"score\">\(String(format: "%.3f", c.score))</span></li>"
        }.joined() + "</ol></td>"
      }
      html += "</tr>"
    }
    body.append(html + "</table>")
  }

  /// A paragraph holding one link (`href` relative to the report, e.g. `adapt/report.html`).
  public mutating func link(_ text: String, href: String) {
    body.append("<p><a href=\"\(HTML.escape(href))\">\(HTML.escape(text))</a></p>")
  }

  public func render() -> String {
    """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>
    <style>
    body { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; }
    h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
    table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
    th { background: #f4f4f4; } td { font-variant-numeric: tabular-nums; }
    .figs { display: flex; flex-wrap: wrap; gap: 12px; } figure { margin: 0; }
    .cards { display: flex; flex-wrap: wrap; gap: 14px; }
    .card { width: 260px; border: 1px solid #ddd; border-radius: 6px; padding: 8px; font-size: 12px; }
    .card img { width: 100%; height: 180px; object-fit: contain; background: #f7f7f7; image-rendering: auto; }
    .card .label { font-weight: bold; margin: 4px 0; } .card ol { padding-left: 18px; margin: 4px 0; }
    .cmp td { vertical-align: top; font-size: 12px; } .cmp img { width: 128px; height: 128px; image-rendering: pixelated; }
    .cmp ol { padding-left: 18px; margin: 0; } .cmp .label { font-weight: bold; }
    .hit { color: #1a7f37; font-weight: bold; } .miss { color: #444; } .score { color: #888; font-size: 11px; }
    </style></head><body>
    <h1>\(HTML.escape(title))</h1>
    \(body.joined(separator: "\n"))
    </body></html>

    """
  }

  /// Writes the page atomically (temporary file + rename).
  public func write(to url: URL) throws {
    try Data(render().utf8).write(to: url, options: .atomic)
  }

  /// `target` relative to `folder` (both made absolute), e.g. `../../data/images/1.jpg`.
  public static func relativePath(from folder: URL, to target: URL) -> String {
    let a = folder.standardizedFileURL.pathComponents, b = target.standardizedFileURL.pathComponents
    var common = 0
    while common < min(a.count, b.count) && a[common] == b[common] { common += 1 }
    let ups = Array(repeating: "..", count: a.count - common)
    let path = (ups + b[common...]).joined(separator: "/")
    return path.isEmpty ? "." : path
  }
}
