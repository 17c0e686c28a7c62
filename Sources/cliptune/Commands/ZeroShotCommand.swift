import ArgumentParser
import CLIP
import Datasets
import Evaluation
import Foundation
import Tensors

/// `cliptune zero-shot`: classify an ImageFolder by prompting the text tower with class names.
struct ZeroShotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "zero-shot",
    abstract: "Zero-shot classification of an ImageFolder (one subfolder per class) with prompt templates.")
  @OptionGroup var compute: ComputeOptions

  @OptionGroup var model: ModelOptions
  @Option(help: "ImageFolder root: one subfolder per class.") var data: String
  @Option(help: "Prompt templates, one per line, with {} or {c} for the class name (default: CLIP's 18 CIFAR templates).") var templates: String?
  @Option(help: "Class names, one per line, in sorted-folder order (default: folder names with _ as space).") var classes: String?
  @Option(help: "Also write the JSON result here.") var output: String?

  func validate() throws { try InferenceLimits.check(model) }

  func run() throws {
    compute.apply()
    let inputs = InputFiles.modelInputs(model) + [OutputPath.Input(data, role: "the --data folder")]
      + (templates.map { [OutputPath.Input($0, role: "the --templates file")] } ?? [])
      + (classes.map { [OutputPath.Input($0, role: "the --classes file")] } ?? [])
    if let output { try OutputPath.checkFile(output, inputs: inputs) }
    let dataset = try ImageFolderDataset(root: URL(fileURLWithPath: data), classNamesFile: classes.map { URL(fileURLWithPath: $0) })
    let prompts = try templates.map { try ZeroShot.loadTemplates(URL(fileURLWithPath: $0)) } ?? ZeroShot.cifarTemplates
    let pipeline = try model.load()
    let classBar = ProgressBar("classes", total: dataset.classNames.count, unit: "cls")
    var perClass: [Tensor] = []
    for (i, name) in dataset.classNames.enumerated() {
      let texts = prompts.map { ZeroShot.fill($0, with: name) }
      perClass.append(try pipeline.textFeatures(texts, batchSize: model.batchSize))  // [T, D]
      classBar.update(i + 1)
    }
    let classifier = try ZeroShot.classifier(perClass)  // [C, D]
    let imageBar = ProgressBar("images ", total: dataset.samples.count, unit: "img")
    let imageEmbeds = try pipeline.imageFeatures(dataset.samples.map(\.image), batchSize: model.batchSize, progress: imageBar.update)
    let result = try ZeroShot.evaluate(imageEmbeds: imageEmbeds, classifier: classifier, labels: dataset.samples.map(\.label))
    let json = result.orderedJSON.text() + "\n"
    if let output { try InputFiles.writeAtomically(Data(json.utf8), to: output, inputs: inputs + dataset.samples.map { .init($0.image.path, role: "an image of --data") }) }
    print(json, terminator: "")
  }
}
