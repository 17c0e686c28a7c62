import ArgumentParser
import CLIP
import Foundation
import SafeTensors
import Tensors

/// `cliptune embed`: projected features (before L2 normalisation) for images and/or texts, written
/// as float32 `image_embeds` [N, D] and `text_embeds` [M, D] in input order.
struct Embed: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write image and text embeddings (get_image_features / get_text_features) to a safetensors file.")
  @OptionGroup var compute: ComputeOptions

  @OptionGroup var model: ModelOptions
  @Option(parsing: .upToNextOption, help: "Image files (JPEG or PNG).") var images: [String] = []
  @Option(help: "A file with one image path per line (relative paths resolve against its folder).") var imageList: String?
  @Option(help: "A UTF-8 file with one text per line.") var texts: String?
  @Option(help: "Where to write the safetensors file.") var output: String

  func validate() throws {
    guard !images.isEmpty || imageList != nil || texts != nil else {
      throw ValidationError("nothing to embed: give --images, --image-list and/or --texts")
    }
    try InferenceLimits.check(model)
  }

  func run() throws {
    compute.apply()
    var inputs = InputFiles.modelInputs(model)
    if let texts { inputs.append(.init(texts, role: "the --texts file")) }
    if let imageList { inputs.append(.init(imageList, role: "the --image-list file")) }
    try OutputPath.checkFile(output, inputs: inputs)
    let imageURLs = try InputFiles.images(images, list: imageList)
    inputs += imageURLs.map { .init($0.path, role: "an input image") }
    try OutputPath.checkFile(output, inputs: inputs)
    let lines = try texts.map { try InputFiles.lines($0, what: "texts") }
    let pipeline = try model.load()
    var tensors: [(name: String, tensor: Tensor)] = []
    if !imageURLs.isEmpty {
      let bar = ProgressBar("images", total: imageURLs.count, unit: "img")
      tensors.append(("image_embeds", try pipeline.imageFeatures(imageURLs, batchSize: model.batchSize, progress: bar.update)))
    }
    if let lines {
      let bar = ProgressBar("texts ", total: lines.count, unit: "txt")
      tensors.append(("text_embeds", try pipeline.textFeatures(lines, batchSize: model.batchSize, progress: bar.update)))
    }
    try OutputPath.checkFile(output, inputs: inputs)
    try SafeTensorsWriter.write(tensors, metadata: ["model": model.model, "producer": "cliptune embed"],
                                to: URL(fileURLWithPath: output))
    let summary = tensors.map { "\($0.name) \($0.tensor.shape)" }.joined(separator: ", ")
    FileHandle.standardError.write(Data("wrote \(summary) to \(output)\n".utf8))
  }
}
