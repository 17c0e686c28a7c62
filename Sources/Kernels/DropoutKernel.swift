import CKernels

/// The inner loop of LoRA dropout (`DropoutRNG.apply` in PEFT), in `Kernels` so that it is built
/// without runtime checks: `destination[k] (+)= source[k] · scale_k`, where scale_k is 0 when the
/// k-th 16-bit value of the counter-based stream (seed, counter) falls below round(p·2¹⁶) and
/// 1/(1−p) otherwise. Four values per SplitMix64 output; parallel over whole outputs, each chunk run
/// by `cliptune_dropout_apply` (CKernels: built for AVX-512, AVX2 and baseline x86-64, picked at
/// load time; ~7× the baseline Swift loop with AVX-512, the same values).
public enum DropoutKernel {
  /// `parallel: false` runs on the calling thread (inside another parallel loop).
  public static func apply(seed: UInt64, counter: UInt64, p: Float, from source: UnsafePointer<Float>,
                           to destination: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool, parallel: Bool = true) {
    precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
    guard count > 0 else { return }
    let keep = 1 / (1 - p)
    let threshold = UInt16(min(65535, (Double(p) * 65536).rounded()))  // drop when a 16-bit draw < p·2¹⁶
    let key = seed &* 0x9E37_79B9_7F4A_7C15, base = counter >> 2
    let pointers = UnsafeSendable((source, destination))
    @inline(__always) func draw(_ m: Int) -> UInt64 {
      var z = key &+ (base &+ UInt64(m)) &* 0xD1B5_4A32_D192_ED03
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    let whole = count / 4
    Parallel.forEach(whole, grain: parallel ? 4096 : Int.max) { range in  // the C kernel, vectorised for the CPU
      let (x, out) = pointers.pointer
      cliptune_dropout_apply(key, base &+ UInt64(range.lowerBound), threshold, keep, x + 4 * range.lowerBound,
                             out + 4 * range.lowerBound, range.count, accumulate ? 1 : 0)
    }
    if whole * 4 < count {
      let z = draw(whole)
      for lane in 0..<(count - whole * 4) {
        let k = whole * 4 + lane
        let value = source[k] * (UInt16(truncatingIfNeeded: z >> (16 * UInt64(lane))) < threshold ? 0 : keep)
        destination[k] = accumulate ? destination[k] + value : value
      }
    }
  }
}
