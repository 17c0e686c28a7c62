/// One tensor's entry in a safetensors header.
public struct SafeTensorInfo: Sendable, Equatable {
  /// The tensor's name (a Hugging Face state-dict key).
  public let name: String
  /// Element type as stored in the file.
  public let dtype: SafeTensorsDType
  /// Dimensions, outermost first (`[]` for a scalar).
  public let shape: [Int]
  /// Where the tensor's bytes lie, relative to the start of the data section (after the header).
  public let byteRange: Range<Int>

  /// Number of elements (`shape` product).
  public var elementCount: Int { shape.reduce(1, *) }
}
