import Foundation
import Preprocessing
import Testing
import TestSupport

/// Broken, empty and unsupported inputs throw an `ImageError` naming the file; nothing crashes.
@Suite struct ImageErrorTests {
  @Test(arguments: ImageManifest.shared.errors)
  func brokenFileThrows(_ c: ImageManifest.ErrorCase) {
    let url = ImageFixtures.url(c.file)
    do {
      let image = try ImageDecoder.decode(contentsOf: url)
      Issue.record("\(c.file) decoded to \(image.width)×\(image.height); Pillow says: \(c.pillow)")
    } catch let error as ImageError {
      #expect(error.kind.rawValue == c.kind, "\(c.file): \(error)")
      #expect(error.file == url.path)
      #expect(error.description.contains(c.file), "message names the file: \(error)")
    } catch {
      Issue.record("\(c.file): not an ImageError: \(error)")
    }
  }

  @Test func everyTruncationOfAJPEGFailsCleanly() throws {
    let data = try Data(contentsOf: ImageFixtures.url("jpeg_progressive_123x77.jpg"))
    for length in stride(from: 0, to: data.count, by: max(1, data.count / 97)) {
      #expect(throws: ImageError.self, "prefix of \(length) bytes") {
        try ImageDecoder.decode(data: data.prefix(length), name: "cut.jpg")
      }
    }
  }

  @Test func everyTruncationOfAPNGFailsCleanly() throws {
    let data = try Data(contentsOf: ImageFixtures.url("png_rgba16_interlaced.png"))
    // IEND (12 bytes) is optional once the image data is complete, as in Pillow.
    for length in stride(from: 0, to: data.count - 12, by: max(1, data.count / 97)) {
      #expect(throws: ImageError.self, "prefix of \(length) bytes") {
        try ImageDecoder.decode(data: data.prefix(length), name: "cut.png")
      }
    }
  }

  @Test func corruptedBytesNeverCrash() throws {
    // Flip bytes all over valid files; decoding may succeed or throw, but must return.
    for name in ["jpeg_420_300x199.jpg", "jpeg_progressive_123x77.jpg", "png_palette8_trns.png", "png_rgb8_interlaced.png"] {
      let original = [UInt8](try Data(contentsOf: ImageFixtures.url(name)))
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      for _ in 0..<60 {
        var bytes = original
        for _ in 0..<4 {
          state = state &* 6364136223846793005 &+ 1442695040888963407
          let at = Int(state >> 33) % bytes.count
          if at > 3 { bytes[at] = UInt8(truncatingIfNeeded: state >> 17) }
        }
        do {
          let image = try ImageDecoder.decode(data: Data(bytes), name: name)
          #expect(image.pixels.count == image.width * image.height * 3)
        } catch let error as ImageError {
          #expect(error.file == name)
        }
      }
    }
  }

  @Test func missingFileAndDirectoryAreUnreadable() {
    let missing = ImageFixtures.url("no_such_file.jpg")
    #expect(throws: ImageError(file: missing.path, kind: .unreadable, detail: "")) {
      do { _ = try ImageDecoder.decode(contentsOf: missing) } catch var e as ImageError { e.detail = ""; throw e }
    }
    let dir = ImageFixtures.url("expected")
    #expect(throws: ImageError.self) { try ImageDecoder.decode(contentsOf: dir) }
  }
}
