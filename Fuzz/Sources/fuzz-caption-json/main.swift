import Datasets
import Foundation
import FuzzSupport

/// A Karpathy-split or COCO-captions JSON file loaded as a retrieval set (image paths resolve
/// against an empty folder, so most loads end at "missing images" after the whole parse), with and
/// without a split.
private let input = FuzzInputFile(name: "captions.json")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let url = input.write(data, size)
  _ = try? RetrievalDataset.load(url)
  _ = try? RetrievalDataset.load(url, split: "train")
  return 0
}

runFuzzer(fuzz)
