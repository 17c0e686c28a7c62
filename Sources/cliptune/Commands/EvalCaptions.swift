import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Tensors

/// `cliptune eval captions`: BLEU-1…4 and CIDEr of given captions against a split's reference
/// captions, as pycocoevalcap computes them (no model involved).
struct EvalCaptions: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "captions",
    abstract: "BLEU-1..4 and CIDEr of predicted captions (pycocoevalcap's numbers).",
    discussion: """
      --predictions is JSON lines {"image": PATH, "caption": TEXT, "token_ids": [...]} (token_ids \
      optional, unused). Each PATH is matched to an image of --data, resolved as --data resolves \
      its own paths (absolute as is; relative under --image-root, else the data file's folder, \
      then its images/). Every image of the split needs exactly one prediction.
      """)

  @OptionGroup var compute: ComputeOptions
  @Option(help: "JSON lines file of predicted captions.") var predictions: String
  @Option(help: "Karpathy-split JSON, COCO captions JSON, or CSV/TSV with filepath and caption columns.") var data: String
  @Option(help: "Folder the image paths are relative to (default: the data file's folder, then its images/).") var imageRoot: String?
  @Option(help: "Karpathy split to evaluate (ignored for formats without splits).") var split: String = "test"
  @Option(help: "Also write the JSON result here.") var output: String?

  /// How many unmatched images an error lists by name.
  static let listed = 5

  func run() throws {
    compute.apply()
    let inputs = [OutputPath.Input(data, role: "the --data file"), OutputPath.Input(predictions, role: "the --predictions file")]
    if let output { try OutputPath.checkFile(output, inputs: inputs) }
    let dataURL = URL(fileURLWithPath: data)
    let dataset = try RetrievalDataset.load(dataURL, imageRoot: imageRoot.map { URL(fileURLWithPath: $0) }, split: split)
    try dataset.checkHasCaptions(file: dataURL, split: split)
    if let blank = dataset.items.first(where: { $0.captions.isEmpty }) {
      throw InputError(file: data, message: "image \(blank.image.path) has no reference captions")
    }
    let predicted = try CaptionPrediction.load(predictions)

    let ids = dataset.items.map { $0.image.standardizedFileURL.path }
    let known = Set(ids)
    let folder = dataURL.deletingLastPathComponent()
    let roots = imageRoot.map { [URL(fileURLWithPath: $0)] } ?? [folder, folder.appendingPathComponent("images")]
    var captions: [String: String] = [:]
    var unknown: [String] = []
    for p in predicted {
      let candidates = p.image.hasPrefix("/") ? [URL(fileURLWithPath: p.image)] : roots.map { $0.appendingPathComponent(p.image) }
      guard let id = candidates.map({ $0.standardizedFileURL.path }).first(where: known.contains) else {
        unknown.append("\(p.image) (line \(p.line))"); continue
      }
      guard captions[id] == nil else { throw InputError(file: predictions, message: "line \(p.line): \(p.image) is the same image as an earlier prediction") }
      captions[id] = p.caption
    }
    let which = dataset.items.contains(where: { $0.split != nil }) ? "split \(split)" : "the data file"
    guard unknown.isEmpty else {
      throw InputError(file: predictions, message: "\(unknown.count) prediction\(unknown.count == 1 ? " is" : "s are") for images not in \(which) of \(data): \(Self.list(unknown))")
    }
    let missing = ids.filter { captions[$0] == nil }
    guard missing.isEmpty else {
      throw InputError(file: predictions, message: "\(missing.count) of \(ids.count) images of \(which) have no prediction: \(Self.list(missing))")
    }
    let references = Dictionary(zip(ids, dataset.items.map(\.captions)), uniquingKeysWith: { $0 + $1 })
    let scores = try CaptionMetrics.evaluate(predictions: captions, references: references)
    let json = scores.orderedJSON.text() + "\n"
    if let output { try InputFiles.writeAtomically(Data(json.utf8), to: output, inputs: inputs) }
    print(json, terminator: "")
  }

  static func list(_ names: [String]) -> String {
    names.prefix(listed).joined(separator: ", ") + (names.count > listed ? ", …" : "")
  }
}
