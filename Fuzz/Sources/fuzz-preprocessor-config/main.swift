import Foundation
import Preprocessing
import FuzzSupport

/// A `preprocessor_config.json`, parsed from memory; a parsed one whose sizes are at most 1024 is
/// applied to a small image (larger sizes are left out only to keep each run fast).
private let image = RGBImage(width: 7, height: 5, pixels: [UInt8](repeating: 128, count: 7 * 5 * 3))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard let preprocessor = try? ImagePreprocessor(configData: fuzzData(data, size), name: "preprocessor_config.json")
  else { return 0 }
  let small = 1...1024
  switch preprocessor.size {
  case .shortestEdge(let n): guard small.contains(n) else { return 0 }
  case .exact(let h, let w): guard small.contains(h), small.contains(w) else { return 0 }
  }
  guard small.contains(preprocessor.cropSize.height), small.contains(preprocessor.cropSize.width) else { return 0 }
  _ = preprocessor(image)
  return 0
}

runFuzzer(fuzz)
