import CKernels
import Testing
@testable import Tensors

/// The dropout mask kernels (CKernels, one variant per instruction set, picked at load time)
/// against a scalar Swift statement of the stream's rule, bit for bit: output number m of the
/// stream is SplitMix64 of key + m·0xD1B54A32D192ED03 with key = seed·0x9E3779B97F4A7C15; element
/// k of a draw starting at `counter` uses 16-bit lane k % 4 of output counter/4 + k/4 and is
/// dropped when that lane is below round(p·2¹⁶), else scaled by 1/(1−p).
struct DropoutKernelTests {
  static func referenceScales(seed: UInt64, counter: UInt64, p: Float, count: Int) -> [Float] {
    let key = seed &* 0x9E37_79B9_7F4A_7C15, threshold = UInt16(min(65535, (Double(p) * 65536).rounded()))
    return (0..<count).map { k in
      var z = key &+ (counter / 4 &+ UInt64(k / 4)) &* 0xD1B5_4A32_D192_ED03
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      z ^= z >> 31
      return UInt16(truncatingIfNeeded: z >> (16 * UInt64(k % 4))) < threshold ? 0 : 1 / (1 - p)
    }
  }

  static func values(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed | 1
    return (0..<count).map { _ in
      state ^= state << 13; state ^= state >> 7; state ^= state << 17
      return Float(Int(state % 2001) - 1000) / 997
    }
  }

  @Test(arguments: [(1, 0.1 as Float), (7, 0.5), (4099, 0.1), (100_003, 0.25), (100_000, 0.9)])
  func bothFormsAreTheScalarRule(count: Int, p: Float) {
    for counter: UInt64 in [0, 4 * 12_345] {
      let scales = Self.referenceScales(seed: 42, counter: counter, p: p, count: count)
      let x = Self.values(count, seed: 3), start = Self.values(count, seed: 5)
      var out = [Float](repeating: .nan, count: count), acc = start
      x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer {
          DropoutKernel.apply(seed: 42, counter: counter, p: p, from: xp.baseAddress!, to: $0.baseAddress!, count: count, accumulate: false)
        }
        acc.withUnsafeMutableBufferPointer {
          DropoutKernel.apply(seed: 42, counter: counter, p: p, from: xp.baseAddress!, to: $0.baseAddress!, count: count, accumulate: true)
        }
      }
      let want = zip(x, scales).map { $0 * $1 }, wantAcc = zip(start, want).map { $0 + $1 }
      #expect(out.elementsEqual(want, by: { $0.bitPattern == $1.bitPattern }), "count \(count), p \(p), counter \(counter)")
      #expect(acc.elementsEqual(wantAcc, by: { $0.bitPattern == $1.bitPattern }), "accumulating, count \(count), p \(p)")
    }
  }

  @Test func thePairFormIsBothSingleForms() {
    let count = 4 * 2_503 + 3, key: UInt64 = 7 &* 0x9E37_79B9_7F4A_7C15  // with a partial last output
    let x = Self.values(count, seed: 11), path = Self.values(count, seed: 13), dx0 = Self.values(count, seed: 17)
    var dropped = [Float](repeating: .nan, count: count), dx = dx0
    var dropped1 = dropped, dx1 = dx0
    let threshold = UInt16((0.1 * 65536.0).rounded()), keep = 1 / (1 - Float(0.1))
    cliptune_dropout_apply_pair(key, 99, threshold, keep, x, &dropped, path, &dx, count)
    cliptune_dropout_apply(key, 99, threshold, keep, x, &dropped1, count, 0)
    cliptune_dropout_apply(key, 99, threshold, keep, path, &dx1, count, 1)
    #expect(dropped.elementsEqual(dropped1, by: { $0.bitPattern == $1.bitPattern }))
    #expect(dx.elementsEqual(dx1, by: { $0.bitPattern == $1.bitPattern }))
    #expect(["x86-64-v4", "x86-64-v3", "x86-64", "other"].contains(String(cString: cliptune_ckernels_isa())))
  }
}
