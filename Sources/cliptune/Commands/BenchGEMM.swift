import ArgumentParser
import CLIP
import Foundation
import Tensors

/// `cliptune bench gemm`: GFLOP/s of every GEMM shape a training step runs, on each GEMM backend of
/// this build (and on `SmallGEMM` for attention's per-head products), so the default backend is
/// chosen by measurement. Shapes come from `GEMMStepShapes`.
struct BenchGEMM: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gemm", abstract: "GFLOP/s of a training step's GEMM shapes on each backend (oneDNN, OpenBLAS; SmallGEMM per head).")
  @OptionGroup var compute: ComputeOptions

  @Option(help: "Architecture whose step shapes to time: b32, b16, l14 (CLIP) or vit-gpt2 (the captioner).") var config: String = "b32"
  @Option(help: "Batch size (pairs).") var batch: Int = 32
  @Option(help: "CLIP text length in tokens / captioner caption length.") var textLen: Int = 20
  @Option(help: "LoRA rank for the low-rank shapes.") var rank: Int = 16
  @Option(help: "Backends to time (comma-separated; default: every one in this build).") var backends: String?
  @Option(help: "Seconds of timing per shape and backend (the best of 3 rounds is kept).") var seconds: Double = 0.3
  @Option(help: "Also write the results as JSON here.") var output: String?

  func validate() throws {
    guard (1...4096).contains(batch), (2...1024).contains(textLen), (1...1024).contains(rank), seconds > 0, seconds <= 60 else {
      throw ValidationError("--batch must be in 1...4096, --text-len in 2...1024, --rank in 1...1024, --seconds in (0, 60]")
    }
    _ = try chosenBackends()
    guard GEMMStepShapes.configs.contains(config) else {
      throw ValidationError("unknown --config '\(config)' (\(GEMMStepShapes.configs.joined(separator: ", ")))")
    }
  }

  func chosenBackends() throws -> [GEMMBackend] {
    guard let backends else { return GEMMBackend.available }
    return try backends.split(separator: ",").map { name in
      guard let b = GEMMBackend(rawValue: String(name)), GEMMBackend.available.contains(b) else {
        throw ValidationError("--backends takes \(GEMMBackend.available.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
      }
      return b
    }
  }

  func run() throws {
    compute.apply()
    if let output { try OutputPath.checkFile(output) }
    let chosen = try chosenBackends()
    let shapes = GEMMStepShapes.shapes(config: config, batch: batch, textLength: textLen, rank: rank)
    let threads = ComputeContext.threads
    print("GEMM shapes of a \(config) training step, batch \(batch), \(threads) threads (per-head products: 1 thread each, heads in parallel)")
    for b in chosen { print("  \(b.rawValue): \(b.description)") }
    let names = chosen.map(\.rawValue) + ["smallgemm"]
    func pad(_ text: String, _ width: Int, left: Bool = true) -> String {
      let fill = String(repeating: " ", count: max(0, width - text.count))
      return left ? text + fill : fill + text
    }
    print(pad("shape", 36) + pad("M×N×K", 20) + pad("count", 6, left: false) + names.map { pad($0, 11, left: false) }.joined())
    var rows: [BenchGEMMRow] = []
    var totalFlops = 0.0
    var totalSeconds = [String: Double]()
    for s in shapes {
      var rates = [String: Double]()
      for b in chosen { rates[b.rawValue] = GEMMTimer.gflops(s, backend: b, threads: s.perHead ? 1 : threads, seconds: seconds) }
      if s.perHead, s.transA == false || s.transB == false { rates["smallgemm"] = GEMMTimer.gflops(s, backend: nil, threads: 1, seconds: seconds) }
      let flops = 2 * Double(s.m) * Double(s.n) * Double(s.k) * Double(s.count)
      totalFlops += flops
      for (name, rate) in rates { totalSeconds[name, default: 0] += flops / (rate * 1e9) }
      print(pad(s.name, 36) + pad("\(s.m)×\(s.n)×\(s.k) \(s.transA ? "T" : "N")\(s.transB ? "T" : "N")", 20) + pad("\(s.count)", 6, left: false)
            + names.map { n in pad(rates[n].map { String(format: "%.1f", $0) } ?? "–", 11, left: false) }.joined())
      rows.append(BenchGEMMRow(name: s.name, m: s.m, n: s.n, k: s.k, trans: "\(s.transA ? "T" : "N")\(s.transB ? "T" : "N")",
                               count: s.count, per_head: s.perHead, gflops: rates))
    }
    var step = [String: Double]()
    for b in chosen { step[b.rawValue] = totalFlops / totalSeconds[b.rawValue]! / 1e9 }
    print(String(format: "step-weighted (%.1f GFLOP per step):", totalFlops / 1e9)
          + chosen.map { " \($0.rawValue) " + String(format: "%.1f GFLOP/s (%.3f s)", step[$0.rawValue]!, totalSeconds[$0.rawValue]!) }
            .joined(separator: ","))
    if let output {
      let result = BenchGEMMResult(config: config, batch: batch, text_len: textLen, rank: rank, threads: threads,
                                   backends: Dictionary(uniqueKeysWithValues: chosen.map { ($0.rawValue, $0.description) }),
                                   step_gflops: step, shapes: rows)
      try InputFiles.writeAtomically(try InputFiles.json(result), to: output)
    }
  }
}

struct BenchGEMMRow: Codable {
  var name: String, m: Int, n: Int, k: Int, trans: String, count: Int, per_head: Bool
  var gflops: [String: Double]
}

struct BenchGEMMResult: Codable {
  var config: String, batch: Int, text_len: Int, rank: Int, threads: Int
  var backends: [String: String]
  var step_gflops: [String: Double]
  var shapes: [BenchGEMMRow]
}

/// Times one shape: repeated products on fixed operands, best of three rounds of `seconds` each.
enum GEMMTimer {
  /// GFLOP/s of `s` on `backend` (nil: `SmallGEMM`, for per-head shapes).
  static func gflops(_ s: GEMMStepShapes.Shape, backend: GEMMBackend?, threads: Int, seconds: Double) -> Double {
    let aCount = s.m * s.k, bCount = s.k * s.n
    var a = [Float](repeating: 0, count: aCount), b = [Float](repeating: 0, count: bCount)
    for i in 0..<aCount { a[i] = Float(i % 7) * 0.1 - 0.3 }
    for i in 0..<bCount { b[i] = Float(i % 5) * 0.1 - 0.2 }
    var c = [Float](repeating: 0, count: s.m * s.n), scratch = [Float](repeating: 0, count: max(s.m, s.n) * s.k)
    let lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n
    func once() {
      a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
        scratch.withUnsafeMutableBufferPointer { t in
          if let backend {
            BLAS.gemm(on: backend, threads: threads, transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1,
                      a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: 0, c: c.baseAddress!, ldc: s.n,
                      matmulPrimitive: !s.perHead)  // per-head products stay on sgemm, as HeadGEMM runs them
          } else if s.transB {
            SmallGEMM.nt(m: s.m, n: s.n, k: s.k, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: s.n, scratch: t.baseAddress!)
          } else if s.transA {
            SmallGEMM.tn(m: s.m, n: s.n, k: s.k, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: s.n, scratch: t.baseAddress!)
          } else {
            SmallGEMM.nn(m: s.m, n: s.n, k: s.k, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: s.n)
          }
        }
      } } }
    }
    once()  // warm-up (oneDNN generates its kernels on first use)
    var best = Double.infinity
    for _ in 0..<3 {
      var reps = 0
      let t0 = DispatchTime.now().uptimeNanoseconds
      var elapsed = 0.0
      repeat {
        once(); reps += 1
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
      } while elapsed < seconds / 3
      best = min(best, elapsed / Double(reps))
    }
    return 2 * Double(s.m) * Double(s.n) * Double(s.k) / best / 1e9
  }
}
