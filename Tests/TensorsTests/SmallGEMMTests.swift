import Testing
import TestSupport
@testable import Tensors

/// SmallGEMM (attention's per-head products) against BLAS, on shapes with and without a multiple
/// of 8 columns and with strided operands (as attention reads one head of a [T, H·Dh] matrix).
struct SmallGEMMTests {
  struct Case: CustomStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var description: String { "\(m)×\(n)×\(k)" }
  }

  static let cases = [Case(m: 50, n: 50, k: 64), Case(m: 7, n: 13, k: 5), Case(m: 77, n: 64, k: 77), Case(m: 1, n: 8, k: 1), Case(m: 4, n: 3, k: 9)]

  static func random(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
      state ^= state << 13; state ^= state >> 7; state ^= state << 17
      return Float(state % 20001) / 10000 - 1
    }
  }

  @Test(arguments: cases) func productsMatchBLAS(_ c: Case) {
    let pad = 3  // row strides wider than the rows, as for one head of a packed [T, H·Dh] matrix
    for variant in ["nn", "nt", "tn"] {
      let aRows = variant == "tn" ? c.k : c.m, aCols = variant == "tn" ? c.m : c.k
      let bRows = variant == "nt" ? c.n : c.k, bCols = variant == "nt" ? c.k : c.n
      let lda = aCols + pad, ldb = bCols + pad, ldc = c.n + pad
      let a = Self.random(aRows * lda, seed: 1), b = Self.random(bRows * ldb, seed: 2)
      var ours = [Float](repeating: .nan, count: c.m * ldc), ref = ours
      var scratch = [Float](repeating: 0, count: max(c.m, c.n) * c.k)
      a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in
        ours.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { s in
          switch variant {
          case "nn": SmallGEMM.nn(m: c.m, n: c.n, k: c.k, alpha: 0.5, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: o.baseAddress!, ldc: ldc)
          case "nt": SmallGEMM.nt(m: c.m, n: c.n, k: c.k, alpha: 0.5, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: o.baseAddress!, ldc: ldc, scratch: s.baseAddress!)
          default: SmallGEMM.tn(m: c.m, n: c.n, k: c.k, alpha: 0.5, a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: o.baseAddress!, ldc: ldc, scratch: s.baseAddress!)
          }
        } }
        ref.withUnsafeMutableBufferPointer { r in
          BLAS.gemm(transA: variant == "tn", transB: variant == "nt", m: c.m, n: c.n, k: c.k, alpha: 0.5,
                    a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: r.baseAddress!, ldc: ldc)
        }
      } }
      // Only the m × n block is written; the padding columns stay NaN in both.
      #expect(mismatches(ours, ref, tolerance: 1e-5, relative: true) == nil, "\(variant) \(c)")
    }
  }
}
