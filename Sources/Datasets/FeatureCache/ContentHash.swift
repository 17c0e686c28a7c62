import Foundation

/// A 128-bit content hash for cache keys (not for security): FNV-1a 64 over the bytes, and a
/// second, independent 64-bit mix (word-wise multiply–xorshift, seeded with the length), printed
/// as 32 hex digits. The same bytes give the same key on every machine.
public struct ContentHash: Sendable, Equatable, Hashable, CustomStringConvertible {
  public private(set) var low: UInt64 = 0xCBF2_9CE4_8422_2325
  public private(set) var high: UInt64 = 0x9E37_79B9_7F4A_7C15
  private var length: UInt64 = 0

  public init() {}

  /// Hashes `strings` (each followed by a separator byte) in order.
  public init(_ strings: [String]) {
    for s in strings { update(Data(s.utf8)); update(Data([0x1F])) }
  }

  public mutating func update(_ data: Data) {
    data.withUnsafeBytes { raw in
      let bytes = raw.bindMemory(to: UInt8.self)
      var a = low, b = high
      for byte in bytes {
        a = (a ^ UInt64(byte)) &* 0x0100_0000_01B3
        b = (b ^ UInt64(byte)) &* 0xFF51_AFD7_ED55_8CCD
        b ^= b >> 29
      }
      low = a
      high = b
    }
    length &+= UInt64(data.count)
  }

  /// 32 lowercase hex digits.
  public var description: String {
    var x = high ^ (length &* 0xC4CE_B9FE_1A85_EC53)
    x ^= x >> 33
    return String(format: "%016llx%016llx", x, low)
  }
}
