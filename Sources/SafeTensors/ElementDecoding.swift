import Tensors

#if !_endian(little)
#error("SafeTensors reads little-endian data directly and supports little-endian hosts only")
#endif

/// Decoding of raw little-endian tensor bytes into Swift arrays.
enum ElementDecoding {
  /// Elements per parallel chunk when converting; smaller tensors convert on one thread.
  static let grain = 1 << 16

  /// All elements of `bytes` (holding `count` values of `dtype`) as Float.
  static func floats(_ bytes: UnsafeRawBufferPointer, dtype: SafeTensorsDType, count: Int) -> [Float] {
    precondition(bytes.count == count * dtype.byteSize)
    if count == 0 { return [] }
    if dtype == .f32 {
      return [Float](unsafeUninitializedCapacity: count) { out, initialized in
        UnsafeMutableRawBufferPointer(out).copyMemory(from: bytes)
        initialized = count
      }
    }
    return [Float](unsafeUninitializedCapacity: count) { out, initialized in
      let dst = out.baseAddress!
      Parallel.forEach(count, grain: grain) { range in
        switch dtype {
        case .f32:
          for i in range { dst[i] = bytes.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f64:
          for i in range { dst[i] = Float(bytes.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
        case .f16:
          for i in range { dst[i] = HalfConversion.float(fromHalf: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
          for i in range { dst[i] = HalfConversion.float(fromBFloat: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .i64, .i32, .i16, .i8, .u8, .bool:
          for i in range { dst[i] = Float(integer(bytes, dtype: dtype, at: i)) }
        }
      }
      initialized = count
    }
  }

  /// All elements of `bytes` (an integer or bool `dtype`) as Int.
  static func integers(_ bytes: UnsafeRawBufferPointer, dtype: SafeTensorsDType, count: Int) -> [Int] {
    precondition(dtype.isInteger && bytes.count == count * dtype.byteSize)
    return (0..<count).map { integer(bytes, dtype: dtype, at: $0) }
  }

  /// Element `i` of an integer or bool buffer (BOOL: any nonzero byte is 1).
  @inline(__always)
  static func integer(_ bytes: UnsafeRawBufferPointer, dtype: SafeTensorsDType, at i: Int) -> Int {
    switch dtype {
    case .i64: return Int(bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
    case .i32: return Int(bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))
    case .i16: return Int(bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))
    case .i8: return Int(Int8(bitPattern: bytes[i]))
    case .u8: return Int(bytes[i])
    case .bool: return bytes[i] == 0 ? 0 : 1
    case .f64, .f32, .f16, .bf16: preconditionFailure("\(dtype.rawValue) is not an integer type")
    }
  }
}
