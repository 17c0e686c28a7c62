/// Vectorised elementary functions for the pointwise kernels.
public enum SIMDMath {
  /// e^x for 16 lanes, accurate to about 2 ulp over the float range (Cephes-style: x = n·ln2 + r,
  /// |r| ≤ ln2/2, a degree-6 polynomial for e^r, then scaling by 2^n through the exponent bits).
  /// Inputs are clamped to [-87.3, 88.3], so the result never overflows to inf or produces NaN
  /// from a finite input; below the clamp it returns about 1.2e-38 instead of a subnormal or 0.
  @inlinable
  public static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let x = x.clamped(lowerBound: SIMD16(repeating: -87.3), upperBound: SIMD16(repeating: 88.3))
    let n = (x * 1.44269504088896341).rounded(.toNearestOrEven)  // x / ln2
    // r = x - n·ln2 in two steps for precision (ln2 = c1 + c2).
    var r = x - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = SIMD16<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let r2 = r * r
    let er = p * r2 + r + 1
    // 2^n: build the float with exponent n + 127.
    let bits = (SIMD16<Int32>(truncatingIfNeeded: SIMD16<Int32>(n)) &+ 127) &<< 23
    let scale = unsafeBitCast(bits, to: SIMD16<Float>.self)
    return er * scale
  }
}
