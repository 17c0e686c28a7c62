import Evaluation
import Foundation

/// The caption demo's `results.json` and `report.html`.
enum CaptionDemoReport {
  static func scoresJSON(_ e: CaptionDemo.Evaluation) -> OrderedJSON {
    .object((0..<4).map { ("BLEU-\($0 + 1)", OrderedJSON.number(e.scores.bleu[$0])) }
      + [("CIDEr", .number(e.scores.cider)), ("loss", .number(e.loss))])
  }

  /// `results.json`: the options, before and after scores on the shifted test split, and every
  /// test image's references and captions.
  static func writeResults(_ s: CaptionDemo.Summary, options: CaptionDemoOptions) throws {
    let images = s.testImages.indices.map { i -> OrderedJSON in
      .object([("image", .string(s.testImages[i].lastPathComponent)),
               ("references", .array(s.references[i].map { .string($0) })),
               ("before", .string(s.before.captions[i])), ("after", .string(s.after.captions[i]))])
    }
    let json = OrderedJSON.object([
      ("seed", .integer(Int(options.seed))), ("test_images", .integer(s.testImages.count)),
      ("num_beams", .integer(options.numBeams)), ("max_length", .integer(options.maxLength)),
      ("before", scoresJSON(s.before)), ("after", scoresJSON(s.after)),
      ("pretrain_steps", .integer(s.pretrainSteps)), ("adapt_steps", .integer(s.adaptSteps)),
      ("trainable", .string(s.trainable)), ("seconds", .number(s.seconds)), ("captions", .array(images)),
    ])
    do { try Data((json.text() + "\n").utf8).write(to: s.results, options: .atomic) } catch {
      throw DemoError(file: s.results.path, "cannot write: \(error.localizedDescription)")
    }
  }

  /// `report.html`: what was done, the before/after table of scores, and test images with their
  /// ground truth, the pretrained model's caption and the adapted model's.
  static func writeReport(_ s: CaptionDemo.Summary, options: CaptionDemoOptions, folder: URL) throws {
    var report = HTMLReport(title: "ClipTune caption demo — ViT-GPT-2 from scratch on base, LoRA to shifted")
    report.paragraph("A \(options.scratch.layers)+\(options.scratch.layers)-layer ViT-GPT-2 captioner (width \(options.scratch.hiddenSize)) was trained from scratch on \(options.baseImages) synthetic images of the base domain (\(s.pretrainSteps) steps), then adapted with LoRA (r \(options.loraRank), α \(Int(options.loraAlpha)) on \(options.loraTargets.joined(separator: ", ")): GPT-2's attention, cross-attention and MLP and, because the shift is visual and this ViT never saw textured backgrounds, the ViT's attention and MLP; \(s.trainable)) on the shifted domain's train split, every caption a pair (\(s.adaptSteps) steps). Both captioned the \(s.testImages.count) shifted test images with \(options.numBeams)-beam search (max_length \(options.maxLength)); BLEU and CIDEr-D are pycocoevalcap's, on its scale (fractions). Seed \(options.seed); \(String(format: "%.0f", s.seconds)) s.")
    func fmt(_ x: Double) -> String { String(format: "%.4f", x) }
    report.table(headers: ["shifted test split", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "CIDEr", "loss"], rows: [
      ["before (pretrained on base)"] + s.before.scores.bleu.map(fmt) + [fmt(s.before.scores.cider), fmt(s.before.loss)],
      ["after LoRA on shifted"] + s.after.scores.bleu.map(fmt) + [fmt(s.after.scores.cider), fmt(s.after.loss)],
    ])
    report.heading("Shifted test images: ground truth, before and after")
    let examples = s.testImages.indices.prefix(options.exampleCount).map { i in
      HTMLReport.CaptionExample(image: s.testImages[i], label: s.testImages[i].lastPathComponent, references: s.references[i],
                                captions: [s.before.captions[i], s.after.captions[i]])
    }
    report.captionExamples(Array(examples), columnTitles: ["before (base model)", "after (LoRA)"], reportFolder: folder)
    report.link("Pretraining run report", href: "pretrain/report.html")
    report.link("Adaptation run report", href: "adapt/report.html")
    do { try report.write(to: s.report) } catch {
      throw DemoError(file: s.report.path, "cannot write: \(error.localizedDescription)")
    }
  }
}
