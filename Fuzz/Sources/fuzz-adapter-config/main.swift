import Foundation
import PEFT
import FuzzSupport

/// A PEFT `adapter_config.json`; a parsed one is written back out and re-read.
private let input = FuzzInputFile(name: "adapter_config.json")
private let rewritten = FuzzInputFile(name: "rewritten_adapter_config.json")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard let config = try? AdapterConfigFile(contentsOf: input.write(data, size)) else { return 0 }
  guard (try? config.write(to: rewritten.url)) != nil else { return 0 }
  _ = try? AdapterConfigFile(contentsOf: rewritten.url)
  return 0
}

runFuzzer(fuzz)
