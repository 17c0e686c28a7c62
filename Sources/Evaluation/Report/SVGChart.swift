import Foundation

/// A line chart rendered as inline SVG (no scripts, no external files).
public struct SVGLineChart {
  /// One line: a label, a colour and its points (x ascending).
  public struct Series {
    public var label: String
    public var color: String
    public var points: [(x: Double, y: Double)]
    public init(label: String, color: String, points: [(x: Double, y: Double)]) {
      self.label = label
      self.color = color
      self.points = points
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  public var width = 560
  public var height = 300

  public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
  }

  /// The `<svg>` element.
  public func render() -> String {
    let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
    let (left, right, top, bottom) = (58.0, 16.0, 30.0, 44.0)
    let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
    var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="sans-serif" font-size="11">"##
    svg += ##"<text x="\##(width / 2)" y="16" text-anchor="middle" font-size="13" font-weight="bold">\##(HTML.escape(title))</text>"##
    guard let minX = finite.map(\.x).min(), let maxX = finite.map(\.x).max(),
          var minY = finite.map(\.y).min(), var maxY = finite.map(\.y).max() else {
      return svg + ##"<text x="\##(width / 2)" y="\##(height / 2)" text-anchor="middle" fill="#888">no data</text></svg>"##
    }
    if minY == maxY { minY -= 0.5; maxY += 0.5 }
    let padY = (maxY - minY) * 0.05
    minY -= padY; maxY += padY
    let spanX = max(maxX - minX, 1e-12)
    func px(_ x: Double) -> Double { left + (x - minX) / spanX * plotW }
    func py(_ y: Double) -> Double { top + (1 - (y - minY) / (maxY - minY)) * plotH }
    // Axes, grid and ticks.
    svg += ##"<rect x="\##(left)" y="\##(top)" width="\##(plotW)" height="\##(plotH)" fill="none" stroke="#999"/>"##
    for tick in Self.ticks(minY, maxY) {
      let y = py(tick)
      svg += ##"<line x1="\##(left)" x2="\##(left + plotW)" y1="\##(y)" y2="\##(y)" stroke="#eee"/>"##
      svg += ##"<text x="\##(left - 4)" y="\##(y + 3)" text-anchor="end">\##(Self.format(tick))</text>"##
    }
    for tick in Self.ticks(minX, maxX) {
      let x = px(tick)
      svg += ##"<text x="\##(x)" y="\##(top + plotH + 14)" text-anchor="middle">\##(Self.format(tick))</text>"##
    }
    svg += ##"<text x="\##(left + plotW / 2)" y="\##(Double(height) - 8)" text-anchor="middle">\##(HTML.escape(xLabel))</text>"##
    svg += ##"<text transform="translate(14 \##(top + plotH / 2)) rotate(-90)" text-anchor="middle">\##(HTML.escape(yLabel))</text>"##
    // Lines (and dots when there are few points), then the legend.
    for (i, s) in series.enumerated() {
      let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }
      let path = pts.map { "\(Self.format(px($0.x), digits: 1)),\(Self.format(py($0.y), digits: 1))" }.joined(separator: " ")
      svg += ##"<polyline fill="none" stroke="\##(s.color)" stroke-width="1.6" points="\##(path)"/>"##
      if pts.count <= 40 {
        for p in pts { svg += ##"<circle cx="\##(px(p.x))" cy="\##(py(p.y))" r="2.5" fill="\##(s.color)"/>"## }
      }
      let ly = top + 12 + Double(i) * 14
      svg += ##"<line x1="\##(left + plotW - 120)" x2="\##(left + plotW - 104)" y1="\##(ly - 4)" y2="\##(ly - 4)" stroke="\##(s.color)" stroke-width="2"/>"##
      svg += ##"<text x="\##(left + plotW - 100)" y="\##(ly)">\##(HTML.escape(s.label))</text>"##
    }
    return svg + "</svg>"
  }

  /// About five round tick values covering [low, high].
  static func ticks(_ low: Double, _ high: Double) -> [Double] {
    let span = high - low
    guard span > 0, span.isFinite else { return [low] }
    let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var out: [Double] = []
    var t = ceil(low / step) * step
    while t <= high + step * 1e-9 { out.append(t); t += step }
    return out
  }

  static func format(_ x: Double, digits: Int? = nil) -> String {
    if let digits { return String(format: "%.\(digits)f", x) }
    if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
    return abs(x) >= 1e-4 && abs(x) < 1e5 ? String(format: "%.3g", x) : String(format: "%.2e", x)
  }
}

/// A matrix as a coloured grid (e.g. image–caption cosine similarities), inline SVG.
public struct SVGHeatMap {
  public var title: String
  public var values: [[Double]]      // rows × columns
  public var rowLabels: [String]
  public var columnLabels: [String]
  public var cell = 22

  public init(title: String, values: [[Double]], rowLabels: [String], columnLabels: [String]) {
    self.title = title
    self.values = values
    self.rowLabels = rowLabels
    self.columnLabels = columnLabels
  }

  public func render() -> String {
    let rows = values.count, cols = values.first?.count ?? 0
    let left = 90, top = 34
    let w = left + cols * cell + 70, h = top + rows * cell + 30
    let flat = values.flatMap { $0 }.filter(\.isFinite)
    let lo = flat.min() ?? 0, hi = max(flat.max() ?? 1, lo + 1e-12)
    var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(w)" height="\##(h)" font-family="sans-serif" font-size="10">"##
    svg += ##"<text x="\##(w / 2)" y="16" text-anchor="middle" font-size="13" font-weight="bold">\##(HTML.escape(title))</text>"##
    for (r, row) in values.enumerated() {
      svg += ##"<text x="\##(left - 4)" y="\##(top + r * cell + cell / 2 + 3)" text-anchor="end">\##(HTML.escape(String(rowLabels[safe: r].prefix(14))))</text>"##
      for (c, v) in row.enumerated() {
        let t = (v - lo) / (hi - lo)
        svg += ##"<rect x="\##(left + c * cell)" y="\##(top + r * cell)" width="\##(cell)" height="\##(cell)" fill="\##(Self.color(t))"><title>\##(HTML.escape(rowLabels[safe: r])) × \##(HTML.escape(columnLabels[safe: c])): \##(String(format: "%.3f", v))</title></rect>"##
        if r == c { svg += ##"<rect x="\##(left + c * cell)" y="\##(top + r * cell)" width="\##(cell)" height="\##(cell)" fill="none" stroke="#000" stroke-width="1"/>"## }
      }
    }
    for c in 0..<cols {
      svg += ##"<text x="\##(left + c * cell + cell / 2)" y="\##(top + rows * cell + 12)" text-anchor="middle">\##(c + 1)</text>"##
    }
    svg += ##"<text x="\##(left + cols * cell + 8)" y="\##(top + 10)">\##(String(format: "%.2f", hi))</text>"##
    svg += ##"<text x="\##(left + cols * cell + 8)" y="\##(top + rows * cell)">\##(String(format: "%.2f", lo))</text>"##
    return svg + "</svg>"
  }

  /// A perceptually ordered blue → yellow ramp for t in [0, 1].
  static func color(_ t: Double) -> String {
    let t = min(max(t.isFinite ? t : 0, 0), 1)
    let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    let x = t * Double(stops.count - 1), i = min(Int(x), stops.count - 2), f = x - Double(i)
    let (a, b) = (stops[i], stops[i + 1])
    return String(format: "rgb(%d,%d,%d)", Int(a.0 + (b.0 - a.0) * f), Int(a.1 + (b.1 - a.1) * f), Int(a.2 + (b.2 - a.2) * f))
  }
}

extension Array where Element == String {
  subscript(safe i: Int) -> String { indices.contains(i) ? self[i] : "" }
}

/// HTML escaping for text and attribute values.
public enum HTML {
  public static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for ch in s {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(ch)
      }
    }
    return out
  }
}
