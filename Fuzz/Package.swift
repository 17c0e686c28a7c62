// swift-tools-version: 6.0
// libFuzzer targets for ClipTune's parsers. A separate package so that `swift build`/`swift test`
// in the root never see them; build and run with `make fuzz` from the root (docs/reliability.md#fuzzing).
import PackageDescription

/// One executable per parser; each defines `LLVMFuzzerTestOneInput` and gets libFuzzer's `main`
/// from `-sanitize=fuzzer` (passed by the Makefile with `-Xswiftc`).
let targets = [
  "safetensors", "clip-config", "preprocessor-config", "tokenizer-files", "tokenizer-text", "tokenizer-gzip",
  "png", "jpeg", "caption-json", "caption-table", "adapter-config", "checkpoint-state",
]

let package = Package(
  name: "ClipTuneFuzz",
  dependencies: [.package(name: "ClipTune", path: "..")],
  targets: [
    .target(name: "FuzzSupport", dependencies: [.product(name: "ClipTune", package: "ClipTune")]),
  ] + targets.map { name in
    .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzSupport", .product(name: "ClipTune", package: "ClipTune")])
  },
  swiftLanguageModes: [.v5]
)
