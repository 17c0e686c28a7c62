import Evaluation
import Foundation

/// The before/after comparison: `results.json` and the table printed at the end.
public enum DemoResults {
  /// Rows of (metric, before, after); percentages for recalls and accuracy.
  public static func rows(_ s: DemoSummary) -> [(metric: String, before: Double, after: Double)] {
    let (b, a) = (s.before, s.after)
    var rows: [(String, Double, Double)] = [
      ("image→text R@1", b.retrieval.imageToText.r1, a.retrieval.imageToText.r1),
      ("image→text R@5", b.retrieval.imageToText.r5, a.retrieval.imageToText.r5),
      ("image→text R@10", b.retrieval.imageToText.r10, a.retrieval.imageToText.r10),
      ("text→image R@1", b.retrieval.textToImage.r1, a.retrieval.textToImage.r1),
      ("text→image R@5", b.retrieval.textToImage.r5, a.retrieval.textToImage.r5),
      ("text→image R@10", b.retrieval.textToImage.r10, a.retrieval.textToImage.r10),
      ("mean cosine (matched)", b.retrieval.meanCosine, a.retrieval.meanCosine),
      ("contrastive loss", b.loss, a.loss),
    ]
    if let zb = b.zeroShot, let za = a.zeroShot { rows.append(("zero-shot shape acc@1", zb.acc1, za.acc1)) }
    return rows
  }

  /// `rows` as text: metric, before, after and the signed change, to 3 decimals for cosine and
  /// loss and 1 for percentages.
  public static func formattedRows(_ s: DemoSummary) -> [[String]] {
    rows(s).map { r in
      let digits = r.metric.hasPrefix("mean") || r.metric.hasSuffix("loss") ? 3 : 1
      return [r.metric, format(r.before, digits), format(r.after, digits),
              (r.after >= r.before ? "+" : "") + format(r.after - r.before, digits)]
    }
  }

  /// A fixed-width text table of `formattedRows`.
  public static func table(_ s: DemoSummary) -> String {
    let widths = [24, 10, 10, 10]
    return ([["metric", "before", "after", "change"]] + formattedRows(s)).map { cells in
      zip(cells, widths).enumerated().map { column, cell in pad(cell.0, cell.1, left: column > 0) }.joined()
    }.joined(separator: "\n")
  }

  static func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

  static func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return left ? fill + s : s + fill
  }

  static func json(_ e: DomainEvaluation) -> OrderedJSON {
    .object([("retrieval", e.retrieval.orderedJSON), ("loss", .number(e.loss)),
             ("zero_shot", e.zeroShot.map { z in
               .object([("result", z.orderedJSON), ("images", .integer(e.zeroShotImages))]) } ?? .null)])
  }

  /// Writes `results.json` atomically.
  static func write(_ s: DemoSummary, options: DemoOptions, classNames: [String]?, to url: URL) throws {
    var members: [(String, OrderedJSON)] = [
      ("flow", .string(options.isSynthetic ? "synthetic" : "model")),
      ("seed", .integer(Int(options.seed))),
      ("test_images", .integer(s.testImages)),
      ("chance_R@1", .number(s.chanceR1)),
      ("before", json(s.before)),
      ("after", json(s.after)),
    ]
    if let classNames { members.append(("zero_shot_classes", .array(classNames.map(OrderedJSON.string)))) }
    if let p = s.pretrain {
      members.append(("pretrain", .object([("steps", .integer(p.steps)), ("final_loss", p.finalLoss.map { .number(Double($0)) } ?? .null),
                                           ("model", .string(p.output.path))])))
    }
    members.append(("adapt", .object([("steps", .integer(s.adapt.steps)),
                                      ("final_loss", s.adapt.finalLoss.map { .number(Double($0)) } ?? .null),
                                      ("adapter", .string(s.adapt.output.path))])))
    members.append(("seconds", .number(s.seconds)))
    do { try Data((OrderedJSON.object(members).text() + "\n").utf8).write(to: url, options: .atomic) } catch {
      throw DemoError(file: url.path, "cannot write: \(error.localizedDescription)")
    }
  }
}
