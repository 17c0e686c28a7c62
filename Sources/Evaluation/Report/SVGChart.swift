import Foundation

/// A line chart rendered as inline SVG (no scripts, no external files).
public struct SVGLineChart {
  /// One line: a label, a colour and its points (x ascending).
  public struct Series {
    public var label: String
    public var color: String
    public var points: [(x: Double, y: Double)]
    /// Half-widths of error bars (y ± error), one per point; nil: no bars.
    public var errors: [Double]?
    public init(label: String, color: String, points: [(x: Double, y: Double)], errors: [Double]? = nil) {
      self.label = label
      self.color = color
      self.points = points
      self.errors = errors
    }
  }

  /// A horizontal dashed line across the whole plot at `y` (a baseline that does not depend on x),
  /// listed in the legend after the series.
  public struct ReferenceLine {
    public var label: String
    public var color: String
    public var y: Double
    public init(label: String, color: String, y: Double) {
      self.label = label
      self.color = color
      self.y = y
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  public var referenceLines: [ReferenceLine] = []
  /// The x axis's ticks and their labels (categorical axes: `1 2 4 8 16 all`); nil: about five
  /// round values. Given ticks widen the x range to cover them, with a margin on both sides.
  public var xTicks: [(value: Double, label: String)]?
  /// Draw the legend to the right of the plot (long labels) instead of inside its top-right corner.
  public var legendOutside = false
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
    let references = referenceLines.filter(\.y.isFinite)
    let legendLabels = series.map(\.label) + references.map(\.label)
    let legendWidth = legendOutside ? 34 + Double(legendLabels.map(\.count).max() ?? 0) * 6.2 : 0
    let (left, right, top, bottom) = (58.0, 16.0 + legendWidth, 30.0, 44.0)
    let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
    var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="sans-serif" font-size="11">"##
    svg += ##"<text x="\##(width / 2)" y="16" text-anchor="middle" font-size="13" font-weight="bold">\##(HTML.escape(title))</text>"##
    let xs = finite.map(\.x) + (xTicks ?? []).map(\.value).filter(\.isFinite)
    let ys = finite.map(\.y) + references.map(\.y) + errorEnds()
    guard !finite.isEmpty || !references.isEmpty, var minY = ys.min(), var maxY = ys.max() else {
      return svg + ##"<text x="\##(width / 2)" y="\##(height / 2)" text-anchor="middle" fill="#888">no data</text></svg>"##
    }
    var minX = xs.min() ?? 0, maxX = xs.max() ?? 1
    if xTicks != nil {
      let pad = maxX > minX ? (maxX - minX) * 0.06 : 0.5
      minX -= pad; maxX += pad
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
    for tick in xTicks ?? Self.ticks(minX, maxX).map({ ($0, Self.format($0)) }) where tick.value.isFinite {
      let x = px(tick.value)
      svg += ##"<text x="\##(x)" y="\##(top + plotH + 14)" text-anchor="middle">\##(HTML.escape(tick.label))</text>"##
    }
    svg += ##"<text x="\##(left + plotW / 2)" y="\##(Double(height) - 8)" text-anchor="middle">\##(HTML.escape(xLabel))</text>"##
    svg += ##"<text transform="translate(14 \##(top + plotH / 2)) rotate(-90)" text-anchor="middle">\##(HTML.escape(yLabel))</text>"##
    // Reference lines, then lines (with error bars, and dots when there are few points), then the legend.
    for r in references {
      let y = Self.format(py(r.y), digits: 1)
      svg += ##"<line x1="\##(left)" x2="\##(left + plotW)" y1="\##(y)" y2="\##(y)" stroke="\##(r.color)" stroke-width="1.6" stroke-dasharray="6 4"/>"##
    }
    for s in series {
      let pts = s.points.indices.filter { s.points[$0].x.isFinite && s.points[$0].y.isFinite }
      if let errors = s.errors {
        for i in pts where i < errors.count && errors[i].isFinite && errors[i] > 0 {
          let (x, y) = s.points[i]
          let (cx, y0, y1) = (Self.format(px(x), digits: 1), Self.format(py(y - errors[i]), digits: 1), Self.format(py(y + errors[i]), digits: 1))
          let (c0, c1) = (Self.format(px(x) - 3, digits: 1), Self.format(px(x) + 3, digits: 1))
          svg += ##"<path d="M\##(cx) \##(y0)V\##(y1)M\##(c0) \##(y0)H\##(c1)M\##(c0) \##(y1)H\##(c1)" stroke="\##(s.color)" stroke-width="1" fill="none"/>"##
        }
      }
      let path = pts.map { "\(Self.format(px(s.points[$0].x), digits: 1)),\(Self.format(py(s.points[$0].y), digits: 1))" }.joined(separator: " ")
      svg += ##"<polyline fill="none" stroke="\##(s.color)" stroke-width="1.6" points="\##(path)"/>"##
      if pts.count <= 40 {
        for i in pts { svg += ##"<circle cx="\##(px(s.points[i].x))" cy="\##(py(s.points[i].y))" r="2.5" fill="\##(s.color)"/>"## }
      }
    }
    let legendX = legendOutside ? left + plotW + 14 : left + plotW - 120
    let legend = series.map { ($0.label, $0.color, false) } + references.map { ($0.label, $0.color, true) }
    for (i, entry) in legend.enumerated() {
      let ly = top + 12 + Double(i) * 14
      let dash = entry.2 ? #" stroke-dasharray="4 2""# : ""
      svg += ##"<line x1="\##(legendX)" x2="\##(legendX + 16)" y1="\##(ly - 4)" y2="\##(ly - 4)" stroke="\##(entry.1)" stroke-width="2"\##(dash)/>"##
      svg += ##"<text x="\##(legendX + 20)" y="\##(ly)">\##(HTML.escape(entry.0))</text>"##
    }
    return svg + "</svg>"
  }

  /// y ± error of every finite point with an error bar.
  private func errorEnds() -> [Double] {
    series.flatMap { s -> [Double] in
      guard let errors = s.errors else { return [] }
      return zip(s.points, errors).flatMap { p, e -> [Double] in
        p.x.isFinite && p.y.isFinite && e.isFinite && e > 0 ? [p.y - e, p.y + e] : []
      }
    }
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
