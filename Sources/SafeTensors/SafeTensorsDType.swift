/// Element types of the safetensors format that ClipTune reads.
///
/// The raw values are the spellings used in a file's JSON header.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
  case f64 = "F64"
  case f32 = "F32"
  case f16 = "F16"
  case bf16 = "BF16"
  case i64 = "I64"
  case i32 = "I32"
  case i16 = "I16"
  case i8 = "I8"
  case u8 = "U8"
  case bool = "BOOL"

  /// Bytes per element.
  public var byteSize: Int {
    switch self {
    case .f64, .i64: return 8
    case .f32, .i32: return 4
    case .f16, .bf16, .i16: return 2
    case .i8, .u8, .bool: return 1
    }
  }

  /// Whether `SafeTensorsFile.integers(_:)` accepts this type.
  var isInteger: Bool {
    switch self {
    case .i64, .i32, .i16, .i8, .u8, .bool: return true
    case .f64, .f32, .f16, .bf16: return false
    }
  }
}
