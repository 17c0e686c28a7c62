import CKernels

/// The inner loop of LoRA dropout (`DropoutRNG.apply` in PEFT), in `Kernels` so that it is built
/// without runtime checks: `destination[k] (+)= source[k] · scale_k`, where scale_k is 0 when the
/// k-th 16-bit value of the counter-based stream (seed, counter) falls below round(p·2¹⁶) and
/// 1/(1−p) otherwise. Four values per SplitMix64 output (the last of a draw may be partial);
/// parallel over outputs, each chunk run
/// by `cliptune_dropout_apply` (CKernels: built for AVX-512, AVX2 and baseline x86-64, picked at
/// load time; ~7× the baseline Swift loop with AVX-512, the same values).
public enum DropoutKernel {
  /// `parallel: false` runs on the calling thread (inside another parallel loop).
  public static func apply(seed: UInt64, counter: UInt64, p: Float, from source: UnsafePointer<Float>,
                           to destination: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool, parallel: Bool = true) {
    precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
    guard count > 0 else { return }
    let (key, threshold, keep) = rule(seed: seed, p: p), base = counter >> 2
    let pointers = UnsafeSendable((source, destination))
    let outputs = (count + 3) / 4  // the last may be partial
    Parallel.forEach(outputs, grain: parallel ? 4096 : Int.max) { range in  // the C kernel, vectorised for the CPU
      let (x, out) = pointers.pointer
      let k = 4 * range.lowerBound, end = Swift.min(count, 4 * range.upperBound)
      cliptune_dropout_apply(key, base &+ UInt64(range.lowerBound), threshold, keep, x + k, out + k, end - k,
                             accumulate ? 1 : 0)
    }
  }

  /// The stream's key for `seed`, the 16-bit threshold below which a value is dropped
  /// (round(p·2¹⁶)), and the scale of kept values, 1/(1−p): what the C kernels take.
  public static func rule(seed: UInt64, p: Float) -> (key: UInt64, threshold: UInt16, keep: Float) {
    (seed &* 0x9E37_79B9_7F4A_7C15, UInt16(min(65535, (Double(p) * 65536).rounded())), 1 / (1 - p))
  }
}
