import Datasets
import Foundation
import FuzzSupport

/// A CSV and a TSV caption table (the same bytes as both) loaded as a retrieval set.
private let csv = FuzzInputFile(name: "captions.csv")
private let tsv = FuzzInputFile(name: "captions.tsv")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = try? RetrievalDataset.load(csv.write(data, size))
  _ = try? RetrievalDataset.load(tsv.write(data, size))
  return 0
}

runFuzzer(fuzz)
