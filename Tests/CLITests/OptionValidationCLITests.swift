import Foundation
import TestSupport
import Testing

/// Every numeric and list option of `train`, `synth`, `tokenize`, `bench` and the inference
/// commands has a range: a value outside it is refused with a message naming the flag, before
/// anything is read or written (no run folder is created).
struct OptionValidationCLITests {
  let model = Fixtures.url("clip/tiny").path
  let shapes = Fixtures.url("train_parity/shapes/dataset.json").path
  let texts = Fixtures.url("clip/tiny/e2e/texts.txt").path

  /// `train` with `extra` into a fresh folder that must not be created.
  func refuseTrain(_ extra: [String], mentions needles: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let out = Fixtures.temporaryDirectory("opts").appendingPathComponent("run")
    try CommandLineTool.expectFailure(["train", "--model", model, "--data", shapes, "--output", out.path, "--val-split", "none"] + extra,
                                      mentions: needles, sourceLocation: sourceLocation)
    #expect(!FileManager.default.fileExists(atPath: out.path), "a refused run left \(out.path)", sourceLocation: sourceLocation)
  }

  @Test func hugeAndOverflowingCountsAreRefused() throws {
    try refuseTrain(["--lora-rank", "1099511627776"], mentions: ["--lora-rank", "4096"])
    try refuseTrain(["--epochs", "4611686018427387904"], mentions: ["--epochs", "1000000"])
    try refuseTrain(["--max-steps", "1000000000000"], mentions: ["--max-steps"])
    try refuseTrain(["--batch-size", "100000"], mentions: ["--batch-size"])
    try refuseTrain(["--accumulate", "1000000"], mentions: ["--accumulate"])
    try refuseTrain(["--warmup-steps", "99999999999"], mentions: ["--warmup-steps"])
    try refuseTrain(["--step-size", "0"], mentions: ["--step-size"])
    try refuseTrain(["--keep-checkpoints", "0"], mentions: ["--keep-checkpoints"])
    try refuseTrain(["--save-every", "0"], mentions: ["--save-every"])
    try refuseTrain(["--accumulate", "0"], mentions: ["--accumulate"])
    try refuseTrain(["--batch-size", "1"], mentions: ["--batch-size", "at least 2"])
    try refuseTrain(["--warmup-steps=-1"], mentions: ["--warmup-steps"])
  }

  @Test func rankMakingAnAdapterFarLargerThanTheModelIsRefused() throws {
    // The tiny model has 110,017 parameters; rank 4000 on its 32-wide layers makes ~16 million.
    try refuseTrain(["--lora-rank", "4000"], mentions: ["--lora-rank 4000", "times the model's"])
  }

  @Test func nonFiniteAndNegativeFloatsAreRefused() throws {
    for flag in ["--lr", "--eps", "--weight-decay", "--momentum", "--gamma", "--lora-alpha", "--lora-dropout", "--grad-clip"] {
      for value in ["nan", "inf"] {
        try refuseTrain(["\(flag)=\(value)"], mentions: [flag])
      }
    }
    try refuseTrain(["--eps=-1e-8"], mentions: ["--eps", "positive"])
    try refuseTrain(["--weight-decay=-0.1"], mentions: ["--weight-decay"])
    try refuseTrain(["--momentum=-0.5"], mentions: ["--momentum"])
    try refuseTrain(["--momentum", "1"], mentions: ["--momentum"])
    try refuseTrain(["--lr", "0"], mentions: ["--lr"])
    try refuseTrain(["--grad-clip", "0"], mentions: ["--grad-clip"])
    try refuseTrain(["--gamma", "0"], mentions: ["--gamma"])
    try refuseTrain(["--betas", "0.9,1.0"], mentions: ["--betas"])
    try refuseTrain(["--betas", "nan,0.9"], mentions: ["--betas"])
    try refuseTrain(["--crop-scale", "0,1"], mentions: ["--crop-scale"])
    try refuseTrain(["--crop-scale", "0.9,0.5"], mentions: ["--crop-scale"])
    try refuseTrain(["--crop-scale", "0.5,1.5"], mentions: ["--crop-scale"])
  }

  @Test func towersFreezeAndTargetsAreChecked() throws {
    try refuseTrain(["--towers", "vision,vision"], mentions: ["--towers", "each once"])
    try refuseTrain(["--towers", "audio"], mentions: ["--towers"])
    try refuseTrain(["--method", "full", "--freeze", "text,text"], mentions: ["--freeze"])
    try refuseTrain(["--lora-targets", "no_such_module"], mentions: ["--lora-targets", "no_such_module", "matches no Linear layer"])
    try refuseTrain(["--lora-targets", "q_proj,,v_proj"], mentions: ["--lora-targets"])
    try refuseTrain(["--lora-targets", "([", "--lora-targets-regex"], mentions: ["--lora-targets", "regex"])
  }

  @Test func dryRunChecksTheRankToo() throws {
    try CommandLineTool.expectFailure(["train", "--model", model, "--data", shapes, "--output", "/nonexistent/run", "--dry-run",
                                       "--lora-rank", "4000"], mentions: ["--lora-rank 4000"])
  }

  @Test func otherCommandsHaveRanges() throws {
    let dir = Fixtures.temporaryDirectory("opts")
    let synthOut = dir.appendingPathComponent("synth")
    try CommandLineTool.expectFailure(["synth", "--output", synthOut.path, "--image-size", "100000"], mentions: ["--image-size", "4096"])
    try CommandLineTool.expectFailure(["synth", "--output", synthOut.path, "--images", "100000000000"], mentions: ["--images"])
    #expect(!FileManager.default.fileExists(atPath: synthOut.path))
    try CommandLineTool.expectFailure(["tokenize", "--model", model, "--texts", texts, "--context-length", "1000000000"],
                                      mentions: ["--context-length"])
    let out = dir.appendingPathComponent("o.safetensors").path
    try CommandLineTool.expectFailure(["embed", "--model", model, "--texts", texts, "--output", out, "--batch-size", "0"], mentions: ["--batch-size"])
    try CommandLineTool.expectFailure(["embed", "--model", model, "--texts", texts, "--output", out, "--batch-size", "10000000"],
                                      mentions: ["--batch-size"])
    try CommandLineTool.expectFailure(["eval", "retrieval", "--model", model, "--data", shapes, "--batch-size", "0"], mentions: ["--batch-size"])
    try CommandLineTool.expectFailure(["bench", "embed", "--config", "b32", "--batch", "100000000"], mentions: ["--batch"])
    try CommandLineTool.expectFailure(["bench", "train", "--batch", "100000000"], mentions: ["--batch"])
    try CommandLineTool.expectFailure(["bench", "caption", "--beams", "0"], mentions: ["--beams"])
    try CommandLineTool.expectFailure(["bench", "gemm", "--config", "huge"], mentions: ["--config", "b32"])
    try CommandLineTool.expectFailure(["bench", "gemm", "--backends", "cublas"], mentions: ["--backends", "cublas"])
    try CommandLineTool.expectFailure(["bench", "gemm", "--seconds", "0"], mentions: ["--seconds"])
    try CommandLineTool.expectFailure(["embed", "--model", model, "--texts", texts, "--output", out, "--gemm", "mkl"], mentions: ["--gemm", "mkl", "onednn"])
    try CommandLineTool.expectFailure(["train", "--model", model, "--data", shapes, "--output", dir.appendingPathComponent("g").path, "--gemm", ""],
                                      mentions: ["--gemm"])
    try CommandLineTool.expectFailure(["bench", "caption", "--weights", "/nonexistent/decoder.safetensors"], mentions: ["/nonexistent/decoder.safetensors"])
    try CommandLineTool.expectFailure(["demo", "--output", dir.appendingPathComponent("demo").path, "--image-size", "4096"], mentions: ["--image-size"])
    try CommandLineTool.expectFailure(["demo", "--output", dir.appendingPathComponent("demo").path, "--adapt-lr", "nan"], mentions: ["--adapt-lr"])
    try CommandLineTool.expectFailure(["demo", "--output", dir.appendingPathComponent("demo").path, "--lora-rank", "1099511627776"],
                                      mentions: ["--lora-rank"])
    #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("demo").path))
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}
