import ArgumentParser
import Captioning
import CLIP
import Datasets
import Evaluation
import Foundation
import Tensors
import Training

/// `cliptune eval captions`: BLEU-1…4 and CIDEr against a split's reference captions, as
/// pycocoevalcap computes them, of given captions (`--predictions`) or of a captioner's
/// (`--model`, which also reports its teacher-forced loss); optionally CLIPScore and
/// RefCLIPScore from a CLIP (`--clip`).
struct EvalCaptions: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "captions",
    abstract: "BLEU-1..4 and CIDEr (pycocoevalcap's numbers) of a captioner or of given captions; loss; CLIPScore.",
    discussion: """
      With --model (a ViT-GPT-2 VisionEncoderDecoder folder, optionally --adapter) every image of the \
      split is captioned (generation settings as in `cliptune caption`) and scored, and "loss" is the \
      token-weighted mean teacher-forced cross-entropy over all its reference captions. \
      With --predictions (JSON lines {"image": PATH, "caption": TEXT, "token_ids": [...]}, as \
      `cliptune caption` writes them; token_ids optional, unused) each PATH is matched to an image of \
      --data, resolved as --data resolves its own paths (absolute as is; relative under --image-root, \
      else the data file's folder, then its images/); every image of the split needs exactly one. \
      --clip DIR adds CLIPScore (2.5·max(cos, 0)) and RefCLIPScore (Hessel et al.) from that CLIP.
      """)

  @OptionGroup var compute: ComputeOptions
  @Option(help: "JSON lines file of predicted captions (instead of --model).") var predictions: String?
  @Option(help: "A ViT-GPT-2 VisionEncoderDecoder folder to caption the split with (instead of --predictions).") var model: String?
  @Option(help: "With --model: a PEFT LoRA adapter folder to apply.") var adapter: String?
  @Option(help: "With --model: images per forward pass.") var batchSize: Int = 16
  @OptionGroup var generation: GenerationOptions
  @Option(help: "With --model: also write the generated captions here (JSON lines, as `cliptune caption`).") var savePredictions: String?
  @Option(help: "A Hugging Face CLIP folder for CLIPScore and RefCLIPScore.") var clip: String?
  @Option(help: "Karpathy-split JSON, COCO captions JSON, or CSV/TSV with filepath and caption columns.") var data: String
  @Option(help: "Folder the image paths are relative to (default: the data file's folder, then its images/).") var imageRoot: String?
  @Option(help: "Karpathy split to evaluate (ignored for formats without splits).") var split: String = "test"
  @Option(help: "Also write the JSON result here.") var output: String?

  /// How many unmatched images an error lists by name.
  static let listed = 5

  func validate() throws {
    guard (predictions == nil) != (model == nil) else { throw ValidationError("give either --model or --predictions") }
    if model == nil, adapter != nil || savePredictions != nil {
      throw ValidationError("--adapter and --save-predictions go with --model")
    }
    guard (1...InferenceLimits.maxBatchSize).contains(batchSize) else {
      throw ValidationError("--batch-size must be in 1...\(InferenceLimits.maxBatchSize), got \(batchSize)")
    }
  }

  func run() throws {
    compute.apply()
    var inputs = [OutputPath.Input(data, role: "the --data file")]
    if let predictions { inputs.append(OutputPath.Input(predictions, role: "the --predictions file")) }
    if let model {
      inputs += CaptionerOptions.inputs(model, adapter: adapter)
    }
    if let output { try OutputPath.checkFile(output, inputs: inputs) }
    if let savePredictions { try OutputPath.checkFile(savePredictions, inputs: inputs) }
    let dataURL = URL(fileURLWithPath: data)
    let dataset = try RetrievalDataset.load(dataURL, imageRoot: imageRoot.map { URL(fileURLWithPath: $0) }, split: split)
    try dataset.checkHasCaptions(file: dataURL, split: split)
    if let blank = dataset.items.first(where: { $0.captions.isEmpty }) {
      throw InputError(file: data, message: "image \(blank.image.path) has no reference captions")
    }
    let ids = dataset.items.map { $0.image.standardizedFileURL.path }
    var captions: [String: String] = [:]
    var loss: (mean: Double, tokens: Int)?
    if let predictions {
      captions = try matchPredictions(predictions, to: dataset, dataURL: dataURL)
    } else {
      let pipeline = try CaptionerOptions.load(model!, adapter: adapter)
      let config = generation.apply(to: try pipeline.generationConfig())
      try config.validate(vocabulary: pipeline.model.config.decoder.vocabSize, positions: pipeline.model.config.decoder.nPositions)
      let urls = dataset.items.map(\.image)
      let bar = ProgressBar("caption", total: urls.count)
      let generated = try pipeline.caption(urls, config: config, batchSize: batchSize) { bar.update($0) }
      for (id, c) in zip(ids, generated) { captions[id] = c.text }
      if let savePredictions {
        let text = CaptionSplitEvaluation.jsonLines(images: urls, captions: generated)
        try InputFiles.writeAtomically(Data(text.utf8), to: savePredictions, inputs: inputs)
      }
      let positions = pipeline.model.config.decoder.nPositions
      loss = try pipeline.teacherForcedLoss(images: urls, captions: dataset.items.map(\.captions), batchSize: batchSize,
                                            maxTokens: positions - 1)
    }
    let references = Dictionary(zip(ids, dataset.items.map(\.captions)), uniquingKeysWith: { $0 + $1 })
    let scores = try CaptionMetrics.evaluate(predictions: captions, references: references)
    guard case .object(var fields) = scores.orderedJSON else { preconditionFailure("scores are an object") }
    let imagesField = fields.removeLast()  // "images" stays last
    if let loss { fields.append(("loss", .number(loss.mean))) }
    if let clip {
      let score = try clipScores(clip, images: dataset.items.map(\.image), candidates: ids.map { captions[$0]! },
                                 references: dataset.items.map(\.captions))
      fields += [("CLIPScore", .number(score.clipScore)), ("RefCLIPScore", .number(score.refCLIPScore ?? .nan))]
    }
    fields.append(imagesField)
    let json = OrderedJSON.object(fields).text() + "\n"
    if let output { try InputFiles.writeAtomically(Data(json.utf8), to: output, inputs: inputs) }
    print(json, terminator: "")
  }

  /// The predictions of `file` by image id (the standardised path of a --data image); every image
  /// of the split needs exactly one.
  func matchPredictions(_ file: String, to dataset: RetrievalDataset, dataURL: URL) throws -> [String: String] {
    let predicted = try CaptionPrediction.load(file)
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
      guard captions[id] == nil else { throw InputError(file: file, message: "line \(p.line): \(p.image) is the same image as an earlier prediction") }
      captions[id] = p.caption
    }
    let which = dataset.items.contains(where: { $0.split != nil }) ? "split \(split)" : "the data file"
    guard unknown.isEmpty else {
      throw InputError(file: file, message: "\(unknown.count) prediction\(unknown.count == 1 ? " is" : "s are") for images not in \(which) of \(data): \(Self.list(unknown))")
    }
    let missing = ids.filter { captions[$0] == nil }
    guard missing.isEmpty else {
      throw InputError(file: file, message: "\(missing.count) of \(ids.count) images of \(which) have no prediction: \(Self.list(missing))")
    }
    return captions
  }

  /// CLIPScore and RefCLIPScore of one candidate per image from the CLIP in `folder`.
  func clipScores(_ folder: String, images: [URL], candidates: [String], references: [[String]]) throws -> CLIPScore.Result {
    let pipeline = try ModelOptions.loadCLIP(folder)
    let imageFeatures = try pipeline.imageFeatures(images, batchSize: batchSize)
    let candidateFeatures = try pipeline.textFeatures(candidates.map { CLIPScore.prefix + $0 }, batchSize: batchSize)
    var referenceRows: [[Int]] = [], flat: [String] = []
    for refs in references {
      referenceRows.append(Array(flat.count..<(flat.count + refs.count)))
      flat += refs.map { CLIPScore.prefix + $0 }
    }
    let referenceFeatures = try pipeline.textFeatures(flat, batchSize: batchSize)
    return CLIPScore.compute(images: imageFeatures, candidates: candidateFeatures, referenceFeatures: referenceFeatures,
                             referencesOf: referenceRows)
  }

  static func list(_ names: [String]) -> String {
    names.prefix(listed).joined(separator: ", ") + (names.count > listed ? ", …" : "")
  }
}
