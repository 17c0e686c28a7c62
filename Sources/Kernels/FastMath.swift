/// Elementary functions written as straight-line scalar code with no libm calls, so that a plain
/// loop over them is auto-vectorised by LLVM. (Swift's `SIMD16<Float>` versions of the same code
/// compiled to per-lane generic calls and ran ~10× slower; a loop over this runs ~4× faster
/// than one over libm's `expf`.)
public enum FastMath {
  /// e^x, within 2 ulp of the correctly rounded result over [-87.3, 88.3] (Cephes-style: x = n·ln2 + r
  /// with |r| ≤ ln2/2, a degree-6 polynomial for e^r, then 2^n through the exponent bits).
  /// Inputs are clamped to that range, so the result is never inf, NaN or subnormal: below it
  /// returns about 1.2e-38, above it about 3e38.
  @inlinable @inline(__always)
  public static func exp(_ input: Float) -> Float {
    let x = Swift.min(Swift.max(input, -87.3), 88.3)
    // Round x·log2(e) to the nearest integer with the 1.5·2²³ trick (adds and bit casts only).
    let magic: Float = 12_582_912
    let t = x * 1.44269504088896341 + magic
    let n = t - magic
    let r = (x - n * 0.693359375) - n * -2.12194440e-4  // x − n·ln2, ln2 split in two for precision
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let er = p * (r * r) + r + 1
    let exponent = Int32(bitPattern: t.bitPattern) &- Int32(bitPattern: magic.bitPattern) &+ 127
    return er * Float(bitPattern: UInt32(bitPattern: exponent &<< 23))
  }

  /// erf(x) as a rational function of x (odd numerator of degree 13, even denominator of degree
  /// 8, the float32 approximation Eigen and XLA use), x clamped to [−4, 4] where erf is ±1 in
  /// float32. Within a few ulp of libm's `erff` (tested over a dense grid); no branches, so loops
  /// over it vectorise.
  @inlinable @inline(__always)
  public static func erf(_ input: Float) -> Float {
    let x = Swift.min(Swift.max(input, -4), 4)
    let x2 = x * x
    var p: Float = -2.72614225801306e-10
    p = p * x2 + 2.77068142495902e-08
    p = p * x2 + -2.10102402082508e-06
    p = p * x2 + -5.69250639462346e-05
    p = p * x2 + -7.34990630326855e-04
    p = p * x2 + -2.95459980854025e-03
    p = p * x2 + -1.60960333262415e-02
    p = p * x
    var q: Float = -1.45660718464996e-05
    q = q * x2 + -2.13374055278905e-04
    q = q * x2 + -1.68282697438203e-03
    q = q * x2 + -7.37332916720468e-03
    q = q * x2 + -1.42647390514189e-02
    return p / q
  }

  /// tanh(x) = 1 − 2 / (e^{2x} + 1) through `exp`, x clamped to [−9, 9] (tanh is ±1 in float32
  /// beyond). Vectorises.
  @inlinable @inline(__always)
  public static func tanh(_ input: Float) -> Float {
    let x = Swift.min(Swift.max(input, -9), 9)
    return 1 - 2 / (exp(2 * x) + 1)
  }
}
