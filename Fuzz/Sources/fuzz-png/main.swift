import Foundation
import Preprocessing
import FuzzSupport

/// PNG decoding from memory (the decoder sniffs the format; seeds are PNG files), orientation applied.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? ImageDecoder.decode(data: fuzzData(data, size), name: "image.png")
  return 0
}

runFuzzer(fuzz)
