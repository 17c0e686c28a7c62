/// Bit-exact widening of 16-bit floats to `Float` (no dependency on a platform `Float16` type).
enum HalfConversion {
  /// IEEE 754 binary16 bits → Float. Exact for every input: normals, subnormals, ±0, ±inf, and
  /// NaN (payload kept in the high mantissa bits, quiet/signalling bit preserved).
  @inlinable
  static func float(fromHalf bits: UInt16) -> Float {
    let h = UInt32(bits)
    let sign = (h & 0x8000) << 16
    let exponent = (h >> 10) & 0x1F
    let mantissa = h & 0x3FF
    switch exponent {
    case 0:
      // ±0 or subnormal: mantissa · 2⁻²⁴, exact in Float (≤ 10 significant bits, normal range).
      let magnitude = Float(mantissa) * 0x1p-24
      return Float(bitPattern: sign | magnitude.bitPattern)
    case 0x1F:
      return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    default:
      return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
  }

  /// bfloat16 bits → Float: the upper half of a binary32, so a shift.
  @inlinable
  static func float(fromBFloat bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
  }
}
