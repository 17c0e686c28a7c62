import Foundation
import SafeTensors
import FuzzSupport

/// A `.safetensors` file: header parsing and validation, then every tensor read back.
private let input = FuzzInputFile(name: "model.safetensors")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let url = input.write(data, size)
  guard let file = try? SafeTensorsFile(contentsOf: url) else { return 0 }
  _ = file.metadata
  for info in file.infos {
    _ = try? file.tensor(info.name)
    _ = try? file.integers(info.name)
  }
  return 0
}

runFuzzer(fuzz)
