import Datasets
import Evaluation
import Foundation
import TestSupport
import Testing
@testable import Workflows

/// The few-shot report on hand-made sweeps: 3 classes (one named with HTML's special characters),
/// shots 1/2/4, seeds 1 and 2.
struct FewShotReportTests {
  static let classNames = ["cat", #"<b>&"x""#, "dog"]
  static let shots: [FewShotSampler.Shots] = [.perClass(1), .perClass(2), .perClass(4)]

  /// Run `m`'s top-1 at shot index `j` is 30 + 20m + 10j ± 5 over the two seeds, its macro F1 10
  /// below ± 2, its recall 1 below ± 1. The confusion matrix of (4 shots, seed 1) has 17 on the
  /// diagonal, every other sub-run's 3.
  static func sweep(_ method: FewShotMethod, index m: Int, chosen: [String: Double], data: String = "/data/<set>&1") -> FewShotResults {
    var options = FewShotOptions(model: "/models/clip-b32", data: data, output: "/runs/x", method: method)
    options.shots = shots
    options.seeds = [1, 2]
    var subRuns: [FewShotSubRunResult] = []
    for (j, shot) in shots.enumerated() {
      for seed: UInt64 in [1, 2] {
        let base = Double(30 + 20 * m + 10 * j), sign: Double = seed == 1 ? -1 : 1
        let diagonal = shot == .perClass(4) && seed == 1 ? 17 : 3
        let test = ClassificationResult(acc1: base + 5 * sign, acc5: nil, meanPerClassRecall: base - 1 + sign,
                                        macroF1: base - 10 + 2 * sign,
                                        confusionMatrix: [[diagonal, 1, 0], [0, diagonal, 1], [1, 0, diagonal]])
        subRuns.append(FewShotSubRunResult(shots: shot, seed: seed, folder: "shots\(shot)_seed\(seed)", trainImages: 3 * (j + 1),
                                           steps: method.trainsByGradient ? 100 : 0, finalLoss: nil, val: test, test: test,
                                           chosen: chosen, seconds: 1.5))
      }
    }
    return FewShotResults(options: options, classNames: classNames, subRuns: subRuns, encodedImages: 42)
  }

  static let runs = [sweep(.linearProbe, index: 0, chosen: ["C": 0.316]),
                     sweep(.tipAdapter, index: 1, chosen: ["tip_alpha": 1, "tip_beta": 5.5])]

  static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

  @Test func chartHasOneLinePerRunWithErrorBarsAndLogShotTicks() {
    let html = FewShotReport.html(Self.runs, title: "study")
    #expect(Self.count("<polyline", in: html) == 2)
    #expect(!html.contains("stroke-dasharray=\"6 4\""))
    #expect(html.contains(">linear-probe (vision)</text>") && html.contains(">tip-adapter (vision-language)</text>"))
    #expect(html.contains(">shots per class (log₂ scale)</text>") && html.contains(">top-1 accuracy (%)</text>"))
    // ± 5 at each of the 3 points of both lines.
    #expect(Self.count("<path d=\"M", in: html) == 6)
    // Ticks 1, 2, 4 evenly spaced.
    let chart = html.components(separatedBy: "<svg")[1]
    let tickX = ["1", "2", "4"].map { label -> Double in
      let head = chart.components(separatedBy: "text-anchor=\"middle\">\(label)</text>")[0]
      return Double(head.components(separatedBy: "<text x=\"").last!.components(separatedBy: "\"")[0])!
    }
    #expect(abs((tickX[1] - tickX[0]) - (tickX[2] - tickX[1])) < 1e-6 && tickX[1] > tickX[0])
  }

  @Test func zeroShotRunIsADashedHorizontalLine() {
    let html = FewShotReport.html(Self.runs + [Self.sweep(.zeroShot, index: 2, chosen: [:])], title: "study")
    #expect(Self.count("<polyline", in: html) == 2)
    let dashed = html.components(separatedBy: "stroke-dasharray=\"6 4\"")
    #expect(dashed.count == 2)
    let line = dashed[0].components(separatedBy: "<line ").last!
    let y1 = line.components(separatedBy: "y1=\"")[1].components(separatedBy: "\"")[0]
    let y2 = line.components(separatedBy: "y2=\"")[1].components(separatedBy: "\"")[0]
    #expect(y1 == y2)
    #expect(html.contains(">zero-shot (vision-language)</text>"))
  }

  @Test func shotPositionsAreLog2WithAllAfterTheLargestK() {
    #expect(FewShotReport.xPosition(.perClass(1), largestK: 16) == 0)
    #expect(FewShotReport.xPosition(.perClass(8), largestK: 16) == 3)
    #expect(FewShotReport.xPosition(.all, largestK: 16) == 5)
    #expect(FewShotReport.xPosition(.all, largestK: nil) == 0)
    #expect(FewShotReport.sortedShots([.all, .perClass(4), .perClass(1), .perClass(4)]) == [.perClass(1), .perClass(4), .all])
    var options = FewShotOptions(model: "m", data: "d", output: "o", method: .linearProbe)
    options.shots = [.perClass(2), .all]
    let test = ClassificationResult(acc1: 50, acc5: nil, meanPerClassRecall: 50, macroF1: 50, confusionMatrix: [[1, 1], [1, 1]])
    let subRuns = [(FewShotSampler.Shots.all, UInt64(3)), (.all, 2), (.perClass(2), 1)].map { shots, seed in
      FewShotSubRunResult(shots: shots, seed: seed, folder: "f", trainImages: 4, steps: 0, finalLoss: nil, val: nil, test: test,
                          chosen: [:], seconds: 0)
    }
    #expect(FewShotReport.representative(subRuns).map { [$0.shots.description, String($0.seed)] } == ["all", "2"])
    let html = FewShotReport.html([FewShotResults(options: options, classNames: ["a", "b"], subRuns: subRuns, encodedImages: 0)], title: "t")
    #expect(html.contains(">all</text>") && html.contains(">2</text>"))
    #expect(html.contains("all, seed 2"))
  }

  @Test func tablesShowMeanPlusMinusStdPerShotCount() {
    let html = FewShotReport.html(Self.runs, title: "study")
    #expect(html.contains("<th>run</th><th>1 shot</th><th>2 shots</th><th>4 shots</th>"))
    // top-1
    #expect(html.contains("<tr><td>linear-probe (vision)</td><td>30.00 ± 5.00</td><td>40.00 ± 5.00</td><td>50.00 ± 5.00</td></tr>"))
    #expect(html.contains("<tr><td>tip-adapter (vision-language)</td><td>50.00 ± 5.00</td><td>60.00 ± 5.00</td><td>70.00 ± 5.00</td></tr>"))
    // macro F1, mean per-class recall
    #expect(html.contains("<tr><td>linear-probe (vision)</td><td>20.00 ± 2.00</td><td>30.00 ± 2.00</td><td>40.00 ± 2.00</td></tr>"))
    #expect(html.contains("<tr><td>tip-adapter (vision-language)</td><td>49.00 ± 1.00</td><td>59.00 ± 1.00</td><td>69.00 ± 1.00</td></tr>"))
    #expect(!html.contains("Test top-5 accuracy"))   // no acc5 with 3 classes
    // Sub-run tables: chosen values as columns.
    #expect(html.contains("<th>C</th><th>seconds</th>") && html.contains("<th>tip_alpha</th><th>tip_beta</th><th>seconds</th>"))
    #expect(html.contains("<tr><td>4</td><td>1</td><td>shots4_seed1</td><td>9</td><td>0</td><td>–</td><td>45.00</td><td>45.00</td><td>38.00</td><td>0.316</td><td>1.5</td></tr>"))
    #expect(html.contains("<td>1</td><td>5.5</td><td>1.5</td></tr>"))
  }

  @Test func confusionMatrixIsTheLargestShotLowestSeedWithCTimesCCells() {
    let html = FewShotReport.html(Self.runs, title: "study")
    #expect(Self.count("<rect class=\"cell\"", in: html) == 2 * 3 * 3)
    #expect(Self.count(">17</text>", in: html) == 2 * 3)
    #expect(html.contains("linear-probe (vision): test confusion, 4 shots, seed 1"))
    #expect(html.contains(">true class</text>") && html.contains(">predicted class</text>"))
  }

  @Test func userStringsAreEscaped() {
    let html = FewShotReport.html(Self.runs, title: "a <study>")
    #expect(!html.contains("<b>") && !html.contains("<set>") && !html.contains("<study>"))
    #expect(html.contains("&lt;b&gt;&amp;&quot;x&quot;"))
    #expect(html.contains("/data/&lt;set&gt;&amp;1"))
    #expect(html.contains("<title>a &lt;study&gt;</title>"))
  }

  @Test func writeReplacesTheFileAtomicallyWithUTF8() throws {
    let dir = Fixtures.temporaryDirectory("fewshot-report")
    let url = dir.appendingPathComponent("report.html")
    try Data("old".utf8).write(to: url)
    let before = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int
    try FewShotReport.write(Self.runs, to: url)
    let after = try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int
    #expect(before != nil && before != after)   // a new file renamed over the old, not rewritten in place
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.html"])
    let text = try #require(String(data: Data(contentsOf: url), encoding: .utf8))
    #expect(text.hasPrefix("<!DOCTYPE html>") && text.contains("30.00 ± 5.00"))
    #expect(text.contains("<title>ClipTune few-shot study — &lt;set&gt;&amp;1</title>"))
    #expect(throws: FewShotError.self) { try FewShotReport.write(Self.runs, to: dir.appendingPathComponent("missing/report.html")) }
  }
}
