import ArgumentParser
import Captioning
import Foundation
import Tensors
import Training

/// `cliptune caption`: captions for images from a ViT-GPT-2 captioner (greedy or beam search, as
/// transformers' `generate`), one JSON line per image.
struct Caption: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Caption images with a ViT-GPT-2 captioner (beam or greedy search, as transformers' generate).",
    discussion: """
      Writes one JSON line per image, in input order: {"image": PATH, "caption": TEXT, "token_ids": [...]}. \
      token_ids are what model.generate returns for that image: the decoder start token, the caption's \
      tokens and the EOS token when one was produced (a batch's padding removed); caption is their text \
      without special tokens, stripped. Settings not given take the model's generation_config.json; \
      --max-length and --num-beams default to 16 and 4 (the settings nlpconnect/vit-gpt2-image-captioning \
      is usually run with).
      """)

  @OptionGroup var compute: ComputeOptions
  @OptionGroup var captioner: CaptionerOptions
  @OptionGroup var generation: GenerationOptions
  @Option(parsing: .upToNextOption, help: "Image files (JPEG or PNG).") var images: [String] = []
  @Option(help: "A file with one image path per line (relative paths resolve against its folder).") var imageList: String?
  @Option(help: "Write the JSON lines here instead of standard output.") var output: String?

  func validate() throws {
    guard !images.isEmpty || imageList != nil else { throw ValidationError("nothing to caption: give --images and/or --image-list") }
  }

  func run() throws {
    compute.apply()
    var inputs = captioner.inputs + images.map { OutputPath.Input($0, role: "an --images file") }
    if let imageList { inputs.append(.init(imageList, role: "the --image-list file")) }
    if let output { try OutputPath.checkFile(output, inputs: inputs) }
    let urls = try InputFiles.images(images, list: imageList)
    let pipeline = try captioner.load()
    let config = generation.apply(to: try pipeline.generationConfig())
    try config.validate(vocabulary: pipeline.model.config.decoder.vocabSize, positions: pipeline.model.config.decoder.nPositions)
    let bar = ProgressBar("caption", total: urls.count)
    let captions = try pipeline.caption(urls, config: config, batchSize: captioner.batchSize) { bar.update($0) }
    let text = CaptionSplitEvaluation.jsonLines(images: urls, captions: captions)
    if let output {
      try InputFiles.writeAtomically(Data(text.utf8), to: output, inputs: inputs)
    } else {
      print(text, terminator: "")
    }
  }
}
