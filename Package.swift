// swift-tools-version: 6.0
import PackageDescription

/// Every target keeps Swift's bounds and overflow checks in release builds (`-O`): a size read from
/// a file that slips past validation traps instead of corrupting memory.
let checked: [SwiftSetting] = []
/// Except `Kernels`: the numeric inner loops on unsafe pointers (GEMM wrapper, attention, softmax,
/// LayerNorm, activations, vector ops), whose sizes are checked once at entry by the layers that
/// call them. With checks, their index arithmetic stops vectorising (docs/reliability.md, "Checked
/// builds", has the measurements).
/// Debug builds optimise them too (`-O`, checks kept), so the test suite's training runs take
/// seconds instead of minutes; everything else stays unoptimised and debuggable.
let kernels: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                               .unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
  name: "ClipTune",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "cliptune", targets: ["cliptune"]),
    .library(name: "ClipTune", targets: ["Kernels", "Tensors", "SafeTensors", "Layers", "Preprocessing", "CLIP", "Captioning", "PEFT", "Datasets", "Evaluation", "Training", "Workflows"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // System C libraries (oneDNN, its OpenMP runtime and OpenBLAS on Linux, Accelerate on macOS; libjpeg-turbo; libpng).
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                   providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
    .systemLibrary(name: "COpenMP", path: "Sources/COpenMP"),
    .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
    .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),
    .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),

    // Elementwise kernels in C, each built for AVX-512, AVX2 and baseline x86-64 and picked at load
    // time (target_clones); optimised in debug builds too, and never contracted into FMAs, so every
    // variant and build computes the same values.
    .target(name: "CKernels", path: "Sources/CKernels",
            cSettings: [.unsafeFlags(["-ffp-contract=off", "-fno-math-errno"]), .unsafeFlags(["-O2"], .when(configuration: .debug))]),
    // oneDNN's matmul primitive with a per-shape cache (Linux): the x·Wᵀ products it runs faster than dnnl_sgemm.
    .target(name: "CDNNLMatmul", dependencies: [.target(name: "CDNNL", condition: .when(platforms: [.linux]))],
            path: "Sources/CDNNLMatmul"),
    .target(name: "Kernels", dependencies: [
      "CKernels",
      .target(name: "CDNNLMatmul", condition: .when(platforms: [.linux])),
      .target(name: "CBLAS", condition: .when(platforms: [.linux])),
      .target(name: "CDNNL", condition: .when(platforms: [.linux])),
      .target(name: "COpenMP", condition: .when(platforms: [.linux])),
    ], swiftSettings: kernels),
    .target(name: "Tensors", dependencies: ["Kernels", .target(name: "CMalloc", condition: .when(platforms: [.linux]))], swiftSettings: checked),
    .target(name: "SafeTensors", dependencies: ["Tensors"], swiftSettings: checked),
    .target(name: "Layers", dependencies: ["Tensors"], swiftSettings: checked),
    .target(name: "Preprocessing", dependencies: ["Tensors", "CJPEG", "CPNG"], swiftSettings: checked),
    .target(name: "CLIP", dependencies: ["Tensors", "SafeTensors", "Layers", "Preprocessing"], swiftSettings: checked),
    .target(name: "Datasets", dependencies: ["Tensors", "Preprocessing"], swiftSettings: checked),
    .target(name: "PEFT", dependencies: ["Tensors", "SafeTensors", "Layers", "CLIP", "Captioning"], swiftSettings: checked),
    .target(name: "Captioning", dependencies: ["Tensors", "SafeTensors", "Layers", "Preprocessing"], swiftSettings: checked),
    .target(name: "Evaluation", dependencies: ["Tensors", "CLIP", "Datasets"], swiftSettings: checked),
    .target(name: "Training", dependencies: ["Tensors", "SafeTensors", "Layers", "Preprocessing", "CLIP", "Captioning", "PEFT", "Datasets", "Evaluation"], swiftSettings: checked),
    .target(name: "Workflows", dependencies: ["Tensors", "Preprocessing", "CLIP", "Captioning", "PEFT", "Datasets", "Evaluation", "Training"], swiftSettings: checked),
    .executableTarget(name: "cliptune", dependencies: [
      "Tensors", "SafeTensors", "Layers", "Preprocessing", "CLIP", "Captioning", "PEFT", "Datasets", "Evaluation", "Training", "Workflows",
      .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], swiftSettings: checked),

    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "TensorsTests", dependencies: ["TestSupport", "Tensors"]),
    .testTarget(name: "SafeTensorsTests", dependencies: ["TestSupport", "SafeTensors", "Tensors"]),
    .testTarget(name: "LayersTests", dependencies: ["TestSupport", "Layers", "Tensors", "SafeTensors"]),
    .testTarget(name: "PreprocessingTests", dependencies: ["TestSupport", "Preprocessing", "Tensors", "SafeTensors"]),
    .testTarget(name: "CLIPTests", dependencies: ["TestSupport", "CLIP", "Tensors", "SafeTensors", "Preprocessing"]),
    .testTarget(name: "CaptioningTests", dependencies: ["TestSupport", "Captioning", "Layers", "Tensors", "SafeTensors"]),
    .testTarget(name: "PEFTTests", dependencies: ["TestSupport", "PEFT", "CLIP", "Layers", "Tensors", "SafeTensors"]),
    .testTarget(name: "DatasetsTests", dependencies: ["TestSupport", "Datasets", "Preprocessing", "Tensors"]),
    .testTarget(name: "EvaluationTests", dependencies: ["TestSupport", "Evaluation", "Tensors"]),
    .testTarget(name: "TrainingTests", dependencies: ["TestSupport", "Training", "Layers", "Tensors", "SafeTensors", "Evaluation"]),
    .testTarget(name: "WorkflowsTests", dependencies: ["TestSupport", "Workflows", "Training", "Evaluation", "Datasets", "CLIP"]),
    .testTarget(name: "CLITests", dependencies: ["TestSupport", "SafeTensors", "Tensors", "CLIP", "Evaluation", "PEFT", "Datasets"]),
  ],
  swiftLanguageModes: [.v5]
)
