#if canImport(CDNNLMatmul)
import CDNNLMatmul
#endif
import Foundation
import Testing
import TestSupport
@testable import Tensors

/// Every GEMM backend of this build against a Double-precision reference, on the shapes and
/// layouts the layers use (both transpositions, row strides wider than the rows, alpha and beta,
/// a C full of NaN with beta 0), and oneDNN's determinism.
struct GEMMBackendTests {
  struct Case: CustomStringConvertible, Sendable {
    var m: Int, n: Int, k: Int, transA: Bool, transB: Bool, beta: Float
    var description: String { "\(m)×\(n)×\(k) \(transA ? "T" : "N")\(transB ? "T" : "N") β=\(beta)" }
  }

  static let cases: [Case] = [
    Case(m: 64, n: 48, k: 40, transA: false, transB: false, beta: 0),
    Case(m: 37, n: 16, k: 29, transA: false, transB: true, beta: 0),    // x Aᵀ of a rank-16 LoRA
    Case(m: 16, n: 33, k: 70, transA: true, transB: false, beta: 1),    // dA += dhᵀ x
    Case(m: 33, n: 45, k: 70, transA: true, transB: true, beta: 0.5),
    Case(m: 1, n: 129, k: 3, transA: false, transB: true, beta: 0),
    Case(m: 130, n: 1, k: 257, transA: false, transB: false, beta: 1),
    Case(m: 5, n: 7, k: 0, transA: false, transB: false, beta: 0.5),   // empty inner dimension
    // x·Wᵀ products that oneDNN runs through its matmul primitive (OneDNNMatmul): K > N, and a
    // small output with beta (the sum post-op) — both with alpha (output scales) and padded rows.
    Case(m: 96, n: 80, k: 130, transA: false, transB: true, beta: 0),
    Case(m: 70, n: 100, k: 64, transA: false, transB: true, beta: 1),
    Case(m: 65, n: 66, k: 67, transA: false, transB: true, beta: 0.5),
  ]

  static func random(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
      state ^= state << 13; state ^= state >> 7; state ^= state << 17
      return Float(state % 20001) / 10000 - 1
    }
  }

  /// (A, B, C, lda, ldb, ldc) for a case, each row padded by 3 floats.
  static func operands(_ c: Case) -> (a: [Float], b: [Float], c: [Float], lda: Int, ldb: Int, ldc: Int) {
    let aRows = c.transA ? c.k : c.m, aCols = c.transA ? c.m : c.k
    let bRows = c.transB ? c.n : c.k, bCols = c.transB ? c.k : c.n
    let lda = aCols + 3, ldb = bCols + 3, ldc = c.n + 3
    var cInit = random(c.m * ldc, seed: 3)
    if c.beta == 0 { cInit = [Float](repeating: .nan, count: c.m * ldc) }  // must not be read
    return (random(aRows * lda, seed: 1), random(bRows * ldb, seed: 2), cInit, lda, ldb, ldc)
  }

  /// The m × n block of a C with row stride n + 3, and the padding beside it.
  static func block(_ x: [Float], _ c: Case) -> [Float] { (0..<c.m).flatMap { i in x[(i * (c.n + 3))..<(i * (c.n + 3) + c.n)] } }
  static func padding(_ x: [Float], _ c: Case) -> [Float] { (0..<c.m).flatMap { i in x[(i * (c.n + 3) + c.n)..<((i + 1) * (c.n + 3))] } }

  static func run(_ backend: GEMMBackend, threads: Int, _ c: Case) -> [Float] {
    var (a, b, out, lda, ldb, ldc) = operands(c)
    _ = (a, b)
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in out.withUnsafeMutableBufferPointer { o in
      BLAS.gemm(on: backend, threads: threads, transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: 0.75,
                a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, beta: c.beta, c: o.baseAddress!, ldc: ldc)
    } } }
    return out
  }

  @Test(arguments: cases) func everyBackendMatchesTheReference(_ c: Case) {
    let (a, b, cInit, lda, ldb, ldc) = Self.operands(c)
    var expected = cInit
    for i in 0..<c.m {
      for j in 0..<c.n {
        var s = 0.0
        for p in 0..<c.k {
          let x = c.transA ? a[p * lda + i] : a[i * lda + p], y = c.transB ? b[j * ldb + p] : b[p * ldb + j]
          s += Double(x) * Double(y)
        }
        expected[i * ldc + j] = Float(0.75 * s + (c.beta == 0 ? 0 : Double(c.beta) * Double(cInit[i * ldc + j])))
      }
    }
    for backend in GEMMBackend.available {
      for threads in [1, 2] {
        let got = Self.run(backend, threads: threads, c)
        #expect(mismatches(Self.block(got, c), Self.block(expected, c), tolerance: 1e-5, relative: true) == nil,
                "\(backend) \(threads) threads \(c)")
        // Only the m × n block is written: the padding keeps what it held (NaN with beta 0).
        #expect(Self.padding(got, c).elementsEqual(Self.padding(cInit, c), by: { $0.bitPattern == $1.bitPattern }),
                "\(backend) wrote outside C \(c)")
      }
    }
  }

  @Test func oneDNNIsDeterministicAndNeedsNoThreadsOfItsOwnInsideAChunk() throws {
    guard GEMMBackend.available.contains(.onednn) else { return }
    // This shape goes through the matmul primitive wherever it is called (the choice is by shape only).
    let c = Case(m: 300, n: 200, k: 513, transA: false, transB: true, beta: 0)
    #expect(OneDNNMatmul.isFaster(transA: false, transB: true, m: c.m, n: c.n, k: c.k))
    let first = Self.run(.onednn, threads: 2, c)
    #if canImport(CDNNLMatmul)
    #expect(cliptune_matmul_cached() > 0, "no matmul primitive was made")
    #endif
    #expect(Self.run(.onednn, threads: 2, c).elementsEqual(first, by: { $0.bitPattern == $1.bitPattern }))
    #expect(Self.run(.onednn, threads: 1, c).elementsEqual(first, by: { $0.bitPattern == $1.bitPattern }),
            "the matmul primitive differs between 1 and 2 threads")
    // Called from the chunks of a parallel loop (as per-tile kernels do), each product runs on its
    // chunk's thread and gives the top-level product's bits.
    let results = UnsafeSendable(UnsafeMutablePointer<[Float]>.allocate(capacity: 4))
    results.pointer.initialize(repeating: [], count: 4)
    defer { results.pointer.deinitialize(count: 4); results.pointer.deallocate() }
    Parallel.forEach(4) { range in for i in range { results.pointer[i] = Self.run(.onednn, threads: 2, c) } }
    for i in 0..<4 {
      #expect(results.pointer[i].elementsEqual(first, by: { $0.bitPattern == $1.bitPattern }), "chunk \(i)")
    }
  }

  @Test func theMatmulRuleTakesOnlyLargeXWTransposedProducts() {
    #expect(OneDNNMatmul.isFaster(transA: false, transB: true, m: 640, n: 512, k: 2048))   // text fc2
    #expect(OneDNNMatmul.isFaster(transA: false, transB: true, m: 640, n: 2048, k: 512))   // text fc1
    #expect(!OneDNNMatmul.isFaster(transA: false, transB: true, m: 1600, n: 3072, k: 768)) // vision fc1: sgemm
    #expect(!OneDNNMatmul.isFaster(transA: false, transB: false, m: 640, n: 512, k: 2048)) // NN: sgemm
    #expect(!OneDNNMatmul.isFaster(transA: true, transB: true, m: 640, n: 512, k: 2048))
    #expect(!OneDNNMatmul.isFaster(transA: false, transB: true, m: 640, n: 16, k: 512))    // LoRA x·Aᵀ
    #expect(!OneDNNMatmul.isFaster(transA: false, transB: true, m: 50, n: 50, k: 64))      // per head
  }

  @Test func descriptionsNameTheBackendBack() {
    for backend in GEMMBackend.available {
      #expect(GEMMBackend(described: backend.description) == backend, "\(backend.description)")
    }
    #expect(GEMMBackend(described: "cuBLAS 12") == nil)
    #expect(ComputeContext.backend == ComputeContext.gemmBackend.description)
  }
}
