import CLIP
import Foundation
import FuzzSupport

/// A CLIP `config.json`, read and validated.
private let input = FuzzInputFile(name: "config.json")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? CLIPConfig(contentsOf: input.write(data, size))
  return 0
}

runFuzzer(fuzz)
