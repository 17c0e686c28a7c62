import Foundation
import FuzzSupport
@testable import Training

/// A training checkpoint's `state.json`, decoded as `Trainer.restore` decodes it (the type is
/// internal, hence `@testable`: the fuzz package builds in debug, where testing is enabled).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? JSONDecoder().decode(TrainerState.self, from: fuzzData(data, size))
  return 0
}

runFuzzer(fuzz)
