import Evaluation
import Foundation
import Training

/// The demo's `report.html`: what ran, the before/after table, the training curves of both runs,
/// and test images with the captions ranked highest before and after adaptation.
enum DemoReport {
  static func write(_ s: DemoSummary, options: DemoOptions, classNames: [String]?, folder: URL) throws {
    var report = HTMLReport(title: options.isSynthetic
      ? "ClipTune demo — a CLIP pretrained on base shapes, adapted to the shifted domain"
      : "ClipTune demo — LoRA adaptation of \(URL(fileURLWithPath: options.model!).lastPathComponent)")
    report.paragraph(flowDescription(s, options: options))
    report.heading("Before and after adaptation (\(s.testImages) test images; R@1 by chance \(String(format: "%.1f", s.chanceR1))%)")
    report.table(headers: ["metric", "before", "after", "change"], rows: DemoResults.formattedRows(s))
    if let classNames, let z = s.before.zeroShot, s.after.zeroShot != nil {
      report.paragraph("Zero-shot: \(s.before.zeroShotImages) test images whose objects share one shape, classified among "
                       + "\(classNames.joined(separator: ", ")) with the prompts \(SyntheticDemoData.shapeTemplates.map { "“\($0)”" }.joined(separator: ", ")); "
                       + String(format: "chance %.1f%%, mean per-class recall before %.1f%%.", 100 / Double(classNames.count), z.meanPerClassRecall))
    }

    report.heading("Training curves")
    var figures: [String] = []
    if let pretrain = s.pretrain { figures += try curves(of: pretrain, title: "Pretraining on base") }
    figures += try curves(of: s.adapt, title: "LoRA adaptation")
    report.figures(figures)

    report.heading("Test images: top captions before and after (green: a caption of that image)")
    let examples = zip(s.before.examples, s.after.examples).map { b, a in
      HTMLReport.ComparisonExample(image: b.image, label: b.image.lastPathComponent, columns: [b.captions, a.captions])
    }
    report.comparisonExamples(examples, columnTitles: ["before", "after LoRA"], reportFolder: folder)

    report.heading("Runs")
    if let pretrain = s.pretrain { report.link("Pretraining run report", href: HTMLReport.relativePath(from: folder, to: pretrain.report)) }
    report.link("Adaptation run report", href: HTMLReport.relativePath(from: folder, to: s.adapt.report))
    report.link("results.json", href: "results.json")

    let url = folder.appendingPathComponent("report.html")
    do { try report.write(to: url) } catch {
      throw DemoError(file: url.path, "cannot write the report: \(error.localizedDescription)")
    }
  }

  static func flowDescription(_ s: DemoSummary, options: DemoOptions) -> String {
    let time = String(format: "%.0f s", s.seconds)
    if options.isSynthetic {
      return "Synthesised \(options.baseImages) base and \(options.shiftedImages) shifted captioned-shape images "
        + "(\(options.imageSize) px, seed \(options.seed)); pretrained a CLIP from scratch "
        + "(\(options.scratch.layers) layers, width \(options.scratch.hiddenSize), patch \(options.scratch.patchSize)) on base "
        + "for \(s.pretrain?.steps ?? 0) steps; evaluated it on the shifted test split; LoRA-adapted it "
        + "(r=\(options.loraRank), α=\(Int(options.loraAlpha))) on the shifted train split for \(s.adapt.steps) steps; evaluated again. Total \(time)."
    }
    return "Evaluated \(options.model!) on the \(options.testSplit) split of \(options.data!), LoRA-adapted it "
      + "(r=\(options.loraRank), α=\(Int(options.loraAlpha))) on the train split for \(s.adapt.steps) steps, evaluated again. Total \(time)."
  }

  static func curves(of run: TrainingSummary, title: String) throws -> [String] {
    let c = try RunCurves(metricsFile: run.report.deletingLastPathComponent().appendingPathComponent("metrics.jsonl"))
    return [c.lossChart(title: "\(title): loss"), c.recallChart(title: "\(title): validation R@1")]
  }
}
