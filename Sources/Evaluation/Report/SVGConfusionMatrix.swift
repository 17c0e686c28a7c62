import Foundation

/// A confusion matrix as an inline SVG heat map: rows are true classes, columns predicted ones,
/// each cell shaded by its count over its row's total (the class's recall on the diagonal).
/// Up to `countsUpTo` classes the counts are printed in the cells; up to `labelsUpTo` classes the
/// class names label both axes (cut to 20 characters; every cell's tooltip has the full names).
/// Above `labelsUpTo` classes only the non-zero cells are drawn, over a background of the zero
/// shade, so the SVG grows with the errors made rather than with the square of the class count.
public struct SVGConfusionMatrix {
  public var title: String
  /// [C][C] counts: row = true class, column = predicted class (`ClassificationResult.confusionMatrix`).
  public var counts: [[Int]]
  public var classNames: [String]

  /// The most classes whose cells show their counts.
  public static let countsUpTo = 20
  /// The most classes whose names label the axes (and whose zero cells are drawn).
  public static let labelsUpTo = 50

  public init(title: String, counts: [[Int]], classNames: [String]) {
    self.title = title
    self.counts = counts
    self.classNames = classNames
  }

  /// The `<svg>` element; every drawn cell is a `<rect class="cell">`.
  public func render() -> String {
    let n = counts.count
    let labelled = n <= Self.labelsUpTo, printed = n <= Self.countsUpTo
    let cell = n <= Self.countsUpTo ? 30.0 : labelled ? 16.0 : min(10, 800 / Double(max(n, 1)))
    let names = (0..<n).map { Self.short(classNames[safe: $0].isEmpty ? String($0) : classNames[safe: $0]) }
    let labelSpace = labelled ? Double(names.map(\.count).max() ?? 0) * 5.6 + 8 : 8
    let grid = cell * Double(n)
    let natural = 22 + labelSpace + grid + 58, titleWidth = Double(title.count) * 7 + 20
    // A title wider than the grid and its labels: centre them under it.
    let left = 22 + labelSpace + max(0, (titleWidth - natural) / 2), top = 30.0
    let legendX = left + grid + 14
    let w = max(natural, titleWidth), h = top + grid + labelSpace + 22
    var svg = ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Self.f(w))" height="\##(Self.f(h))" font-family="sans-serif" font-size="10">"##
    svg += ##"<text x="\##(Self.f(w / 2))" y="16" text-anchor="middle" font-size="13" font-weight="bold">\##(HTML.escape(title))</text>"##
    guard n > 0 else { return svg + "</svg>" }
    svg += ##"<text transform="translate(\##(Self.f(left - labelSpace - 10)) \##(Self.f(top + grid / 2))) rotate(-90)" text-anchor="middle">true class</text>"##
    svg += ##"<text x="\##(Self.f(left + grid / 2))" y="\##(Self.f(h - 6))" text-anchor="middle">predicted class</text>"##
    if !labelled {
      svg += ##"<rect x="\##(Self.f(left))" y="\##(Self.f(top))" width="\##(Self.f(grid))" height="\##(Self.f(grid))" fill="\##(Self.color(0))"/>"##
    }
    for (r, row) in counts.enumerated() {
      let total = row.reduce(0, +)
      let y = top + Double(r) * cell
      if labelled {
        svg += ##"<text x="\##(Self.f(left - 4))" y="\##(Self.f(y + cell / 2 + 3))" text-anchor="end">\##(HTML.escape(names[r]))</text>"##
      }
      for c in 0..<n {
        let count = c < row.count ? row[c] : 0
        if !labelled && count == 0 { continue }
        let t = total > 0 ? Double(count) / Double(total) : 0
        let x = left + Double(c) * cell
        let tip = "\(classNames[safe: r]) → \(classNames[safe: c]): \(count)" + (total > 0 ? String(format: " (%.1f%% of the row)", 100 * t) : "")
        svg += ##"<rect class="cell" x="\##(Self.f(x))" y="\##(Self.f(y))" width="\##(Self.f(cell))" height="\##(Self.f(cell))" fill="\##(Self.color(t))"><title>\##(HTML.escape(tip))</title></rect>"##
        if printed {
          svg += ##"<text x="\##(Self.f(x + cell / 2))" y="\##(Self.f(y + cell / 2 + 3))" text-anchor="middle" fill="\##(t > 0.5 ? "#fff" : "#222")">\##(count)</text>"##
        }
      }
    }
    if labelled {
      for c in 0..<n {
        let x = left + Double(c) * cell + cell / 2 + 3, y = top + grid + 4
        svg += ##"<text transform="rotate(-90 \##(Self.f(x)) \##(Self.f(y)))" x="\##(Self.f(x))" y="\##(Self.f(y))" text-anchor="end">\##(HTML.escape(names[c]))</text>"##
      }
    }
    // Shade legend: share of the row, 0 at the bottom, 1 at the top.
    let steps = 10, stepH = min(grid, 120) / Double(steps)
    for i in 0..<steps {
      let y = top + Double(steps - 1 - i) * stepH
      svg += ##"<rect x="\##(Self.f(legendX))" y="\##(Self.f(y))" width="10" height="\##(Self.f(stepH))" fill="\##(Self.color((Double(i) + 0.5) / Double(steps)))"/>"##
    }
    svg += ##"<text x="\##(Self.f(legendX + 13))" y="\##(Self.f(top + 8))">1</text>"##
    svg += ##"<text x="\##(Self.f(legendX + 13))" y="\##(Self.f(top + stepH * Double(steps)))">0</text>"##
    return svg + "</svg>"
  }

  /// White → dark blue (matplotlib's "Blues") for t in [0, 1].
  static func color(_ t: Double) -> String {
    let t = min(max(t.isFinite ? t : 0, 0), 1)
    let stops: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
    let x = t * Double(stops.count - 1), i = min(Int(x), stops.count - 2), f = x - Double(i)
    let (a, b) = (stops[i], stops[i + 1])
    return String(format: "rgb(%d,%d,%d)", Int(a.0 + (b.0 - a.0) * f), Int(a.1 + (b.1 - a.1) * f), Int(a.2 + (b.2 - a.2) * f))
  }

  static func short(_ name: String) -> String { name.count > 20 ? String(name.prefix(19)) + "…" : name }

  /// A coordinate: whole numbers as integers, others with two decimals.
  static func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e9 ? String(Int(x)) : String(format: "%.2f", x) }
}
