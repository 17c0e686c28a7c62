import Foundation
import Preprocessing
import FuzzSupport

/// JPEG decoding from memory (the decoder sniffs the format; seeds are JPEG files), orientation applied.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? ImageDecoder.decode(data: fuzzData(data, size), name: "image.jpeg")
  return 0
}

runFuzzer(fuzz)
