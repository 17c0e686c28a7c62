import ArgumentParser
import Foundation
import Tensors

@main
struct CLIPTune: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cliptune",
    abstract: "Adapt CLIP models to your images and captions, and measure what it bought.",
    subcommands: [Embed.self, Tokenize.self, Train.self, Caption.self, Merge.self, Eval.self, ZeroShotCommand.self, Bench.self, Synth.self, DemoCommand.self, FewShotCommand.self])

  static func main() {
    Allocator.keepFreedMemory()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
  }
}
