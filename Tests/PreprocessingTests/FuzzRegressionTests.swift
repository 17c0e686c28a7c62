import Foundation
import Preprocessing
import Testing
import TestSupport

/// Inputs the fuzz targets (Fuzz/) found crashing, hanging or over-allocating; each must now be a
/// thrown error naming the file. The inputs are committed under `Fuzz/Crashes/<target>/`.
@Suite struct FuzzRegressionTests {
  static func crash(_ relative: String) -> URL {
    Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fuzz/Crashes").appendingPathComponent(relative)
  }

  /// 84 bytes whose zTXt chunk declares 1,096,432,194 bytes: libpng allocated the whole chunk
  /// (1 GB) before finding the file truncated. Now the chunk is refused from its header.
  @Test func pngChunkLongerThanAnyLimitIsRefusedBeforeAllocating() {
    let url = Self.crash("png/ztxt-declares-1gb.png")
    do {
      let image = try ImageDecoder.decode(contentsOf: url)
      Issue.record("decoded to \(image.width)×\(image.height)")
    } catch let error as ImageError {
      #expect(error.file == url.path)
      #expect(error.description.contains("ztxt-declares-1gb.png"), "\(error)")
      #expect(error.kind == .truncated)
      #expect(error.description.contains("chunk 'zTXt' declares 1096432194 bytes, 5 follow"),
              "refused from the chunk header, not after allocating the chunk: \(error)")
    } catch {
      Issue.record("not an ImageError: \(error)")
    }
  }
}
