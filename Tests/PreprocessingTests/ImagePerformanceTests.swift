import Foundation
import Preprocessing
import Testing
import TestSupport

/// Decode + resize + crop + normalise of a 500×375 JPEG: a few milliseconds in release builds.
/// A benchmark, so it runs only with `CLIPTUNE_BENCH=1` and asserts no time (machines are noisy).
@Suite struct ImagePerformanceTests {
  static func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
      let t0 = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
    }
    return times.sorted()[runs / 2]
  }

  @Test(.enabled(if: ProcessInfo.processInfo.environment["CLIPTUNE_BENCH"] == "1"))
  func clipPipelineOn500x375JPEG() throws {
    let data = try Data(contentsOf: ImageFixtures.url("jpeg_500x375.jpg"))
    let p = ImagePreprocessor()
    var checksum: Float = 0
    let decode = try Self.median(15) { checksum += Float(try ImageDecoder.decode(data: data, name: "bench.jpg").pixels[0]) }
    let image = try ImageDecoder.decode(data: data, name: "bench.jpg")
    let resize = Self.median(15) { checksum += Float(p.resizeShortestEdge(image).pixels[0]) }
    let total = try Self.median(15) { checksum += p(try ImageDecoder.decode(data: data, name: "bench.jpg"))[0] }
    print("500×375 JPEG: decode \(decode) ms, full-size resize \(resize) ms, decode+resize+crop+normalise \(total) ms (checksum \(checksum))")
    #expect(checksum.isFinite)
  }
}
