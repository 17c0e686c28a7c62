import Foundation
import TestSupport
import Testing

/// `cliptune bench gemm` on a small batch: every step shape on every backend, with the JSON record.
struct BenchGEMMCLITests {
  @Test func timesEveryShapeOnEveryBackend() throws {
    let out = Fixtures.temporaryDirectory("bench-gemm").appendingPathComponent("gemm.json")
    let r = try CommandLineTool.run(["bench", "gemm", "--config", "b32", "--batch", "2", "--seconds", "0.003", "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("vision fc1 forward") && r.stdout.contains("text attention Q·Kᵀ") && r.stdout.contains("step-weighted"))
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as! [String: Any]
    let backends = json["backends"] as! [String: String]
    #expect(Set(backends.keys) == ["onednn", "openblas"] || Set(backends.keys) == ["accelerate"])
    let shapes = json["shapes"] as! [[String: Any]]
    #expect(shapes.count == 2 * (3 * 9 + 6))  // two towers: three linears × 9 products, 6 attention products
    for shape in shapes {
      let rates = shape["gflops"] as! [String: Double]
      for name in backends.keys {
        #expect((rates[name] ?? 0) > 0.01, "\(shape["name"]!) on \(name): \(rates)")
      }
      if shape["per_head"] as! Bool { #expect(rates["smallgemm"] != nil) }
    }
    let step = json["step_gflops"] as! [String: Double]
    #expect(Set(step.keys) == Set(backends.keys))
  }
}
