import Evaluation
import Foundation
import Testing

/// The confusion-matrix heat map and the line chart's error bars, reference lines and named ticks.
struct ConfusionMatrixChartTests {
  static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

  @Test func smallMatrixHasEveryCellCountsAndRowNormalisedShades() {
    let svg = SVGConfusionMatrix(title: "cm", counts: [[8, 2], [0, 0]], classNames: ["a<", "b"]).render()
    #expect(Self.count("<rect class=\"cell\"", in: svg) == 4)
    #expect(svg.contains(">8</text>") && svg.contains(">2</text>"))
    #expect(svg.contains("a&lt;") && !svg.contains("a<"))
    // Tooltips give the count and its share of the row; an empty row has no share.
    #expect(svg.contains("a&lt; → a&lt;: 8 (80.0% of the row)") && svg.contains("b → b: 0</title>"))
  }

  @Test func largeMatrixDrawsOnlyNonZeroCellsAndNoLabels() {
    let n = 60
    let counts = (0..<n).map { r in (0..<n).map { c in r == c ? 5 : (c == (r + 1) % n && r < 3 ? 1 : 0) } }
    let svg = SVGConfusionMatrix(title: "cm", counts: counts, classNames: (0..<n).map { "class\($0)" }).render()
    #expect(Self.count("<rect class=\"cell\"", in: svg) == n + 3)
    #expect(!svg.contains(">class1</text>") && svg.contains("class1 → class1: 5"))
    #expect(!svg.contains(">5</text>"))
  }

  @Test func lineChartDrawsErrorBarsReferenceLinesAndNamedTicks() {
    var chart = SVGLineChart(title: "acc", xLabel: "shots", yLabel: "%", series: [
      .init(label: "probe", color: "#000", points: [(0, 40), (1, 50)], errors: [5, 0]),
    ])
    chart.referenceLines = [.init(label: "zero-shot & co", color: "#f00", y: 30)]
    chart.xTicks = [(0, "1"), (1, "2"), (2, "all")]
    chart.legendOutside = true
    let svg = chart.render()
    #expect(Self.count("<path d=\"M", in: svg) == 1)   // no bar for a zero error
    #expect(Self.count("stroke-dasharray=\"6 4\"", in: svg) == 1 && svg.contains("zero-shot &amp; co"))
    #expect(svg.contains("text-anchor=\"middle\">all</text>"))
    #expect(Self.count("<polyline", in: svg) == 1)
    // Only a reference line: still a chart, not "no data".
    var flat = SVGLineChart(title: "t", xLabel: "x", yLabel: "y", series: [])
    flat.referenceLines = [.init(label: "r", color: "#000", y: 1)]
    #expect(!flat.render().contains("no data"))
  }
}
