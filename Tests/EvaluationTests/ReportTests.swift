import Evaluation
import Foundation
import TestSupport
import Testing

struct ReportTests {
  @Test func lineChartScalesPointsIntoThePlotAndEscapesText() {
    let chart = SVGLineChart(title: "loss <train>", xLabel: "step", yLabel: "loss", series: [
      .init(label: "train", color: "#1f77b4", points: [(0, 4), (10, 2), (20, 1)]),
      .init(label: "val & co", color: "#d62728", points: [(20, 1.5)]),
    ])
    let svg = chart.render()
    #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
    #expect(svg.contains("loss &lt;train&gt;") && svg.contains("val &amp; co"))
    // The first point (x = min, y = max) sits at the plot's top-left corner region.
    let poly = svg.components(separatedBy: "points=\"")[1].components(separatedBy: "\"")[0]
    let first = poly.split(separator: " ")[0].split(separator: ",").map { Double($0)! }
    #expect(abs(first[0] - 58) < 0.1)
    #expect(first[1] < 60)
  }

  @Test func emptyChartSaysNoData() {
    #expect(SVGLineChart(title: "t", xLabel: "x", yLabel: "y", series: []).render().contains("no data"))
  }

  @Test func heatMapHasOneCellPerValueAndMarksTheDiagonal() {
    let svg = SVGHeatMap(title: "cos", values: [[1, 0.2], [0.1, 0.9]], rowLabels: ["a", "b"], columnLabels: ["x", "y"]).render()
    #expect(svg.components(separatedBy: "<title>").count - 1 == 4)
    #expect(svg.components(separatedBy: "stroke=\"#000\"").count - 1 == 2)
  }

  @Test func relativePathsAndAtomicWrite() throws {
    #expect(HTMLReport.relativePath(from: URL(fileURLWithPath: "/a/run"), to: URL(fileURLWithPath: "/a/data/images/1.jpg")) == "../data/images/1.jpg")
    var report = HTMLReport(title: "Run <1>")
    report.table(headers: ["metric", "value"], rows: [["R@1", "12.5"]])
    report.retrievalExamples([.init(image: URL(fileURLWithPath: "/tmp/x.jpg"), label: "img 0",
                                    captions: [("a cat", 0.31, true), ("a dog", 0.2, false)])],
                             reportFolder: URL(fileURLWithPath: "/tmp/run"))
    let dir = Fixtures.temporaryDirectory("report")
    let url = dir.appendingPathComponent("report.html")
    try report.write(to: url)
    let html = try String(contentsOf: url, encoding: .utf8)
    #expect(html.contains("<title>Run &lt;1&gt;</title>") && html.contains("src=\"../x.jpg\"") && html.contains("class=\"hit\""))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.html"])
  }
}

struct ChartTickTests {
  @Test func learningRateTicksReadAsDecimals() {
    let svg = SVGLineChart(title: "lr", xLabel: "step", yLabel: "lr", series: [.init(label: "lr", color: "#000", points: [(0, 0.005), (60, 0)])]).render()
    #expect(svg.contains(">0.004<") && !svg.contains("e-03"))
  }
}
