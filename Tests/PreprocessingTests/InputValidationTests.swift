import Foundation
@testable import Preprocessing
import TestSupport
import Testing

/// Hostile or malformed image files, preprocessor configs and tokenizer files fail with an error
/// naming the file; no read goes past a buffer and nothing traps.
@Suite struct InputValidationTests {
  // MARK: EXIF

  /// "II*\0", IFD0 at 8 with one entry: Orientation, BYTE, count 1, whose value (offset 18)
  /// is past the end of the 18-byte block.
  static let exif18: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00,
                                0x12, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00]

  @Test func eighteenByteExifDoesNotReadPastItsBuffer() {
    // The block is copied into an exactly-sized allocation so a stray read would be outside it.
    let value = Self.exif18.withUnsafeBytes { OrientationMetadata.exifOrientationTag($0) }
    #expect(value == nil)
    #expect((Self.exif18 + [6, 0, 0, 0]).withUnsafeBytes { OrientationMetadata.exifOrientationTag($0) } == 6)
  }

  @Test func everyPrefixOfAnExifBlockIsSafe() {
    // SHORT orientation 6, then a second IFD entry cut at every length.
    let full: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, 0x00, 0x02,
                         0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
                         0x01, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x00]
    for n in 0...full.count {
      let prefix = Array(full[0..<n])
      _ = prefix.withUnsafeBytes { OrientationMetadata.exifOrientationTag($0) }
    }
    #expect(full.withUnsafeBytes { OrientationMetadata.exifOrientationTag($0) } == 3)
  }

  @Test func jpegWithAShortExifSegmentDecodes() throws {
    let jpeg = try ImageFixtures.bytes("jpeg_444_37x53.jpg")
    let payload = Array("Exif\0\0".utf8) + Self.exif18
    let length = payload.count + 2
    let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    let edited = Array(jpeg[0..<2]) + app1 + Array(jpeg[2...])
    let image = try ImageDecoder.decode(data: Data(edited), name: "short-exif.jpg")
    #expect(image.width == 37 && image.height == 53)  // no orientation applied
  }

  // MARK: Image files

  @Test func folderOrFIFOInsteadOfAnImageIsRefused() throws {
    let dir = Fixtures.temporaryDirectory("image-kind")
    let folder = dir.appendingPathComponent("photo.png")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
    let error = #expect(throws: ImageError.self) { try ImageDecoder.decode(contentsOf: folder) }
    #expect(error?.description == "\(folder.path): is a folder, not a file")
    #expect(error?.kind == .unreadable)
    let fifo = dir.appendingPathComponent("pipe.jpg")
    #expect(mkfifo(fifo.path, 0o644) == 0)
    let fifoError = #expect(throws: ImageError.self) { try ImageDecoder.decode(contentsOf: fifo) }
    #expect(fifoError?.description == "\(fifo.path): is a FIFO, not a regular file")
  }

  /// A PNG whose IHDR claims `width × height` (valid CRCs), followed by an empty IDAT chunk.
  static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
      let body = Array(type.utf8) + data
      return be(UInt32(data.count)) + body + be(body.withUnsafeBufferPointer { CRC32.checksum($0) })
    }
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
      + chunk("IHDR", be(width) + be(height) + [8, 2, 0, 0, 0]) + chunk("IDAT", [])
  }

  @Test(arguments: [(UInt32(70_000), UInt32(1), "exceeds the limit of 65535 pixels per side"),
                    (UInt32(60_000), UInt32(60_000), "exceeds the limit of 178956970 pixels")])
  func hugeDimensionsAreRefusedBeforeAllocating(width: UInt32, height: UInt32, message: String) {
    let error = #expect(throws: ImageError.self) {
      try ImageDecoder.decode(data: Data(Self.pngHeader(width: width, height: height)), name: "huge.png")
    }
    #expect(error?.kind == .tooLarge)
    #expect(error?.description.hasPrefix("huge.png: ") == true && error?.description.contains(message) == true, "\(String(describing: error))")
  }

  @Test func headerOnlyPNGIsTruncated() {
    let error = #expect(throws: ImageError.self) {
      try ImageDecoder.decode(data: Data(Self.pngHeader(width: 4, height: 4)), name: "cut.png")
    }
    #expect(error?.description.hasPrefix("cut.png: ") == true)
  }

  // MARK: Preprocessor config

  static func config(_ json: String) throws -> ImagePreprocessor {
    try ImagePreprocessor(configData: Data(json.utf8), name: "preprocessor_config.json")
  }

  @Test(arguments: [
    (#"{"size": {"shortest_edge": 100000}}"#, "size must be in 1...8192, got 100000"),
    (#"{"size": {"height": 0, "width": 32}}"#, "size must be in 1...8192 per side, got 0×32"),
    (#"{"crop_size": {"height": 32, "width": 9000}}"#, "crop_size must be in 1...8192 per side, got 32×9000"),
    (#"{"crop_size": -4}"#, "crop_size must be in 1...8192 per side, got -4×-4"),
    (#"{"image_std": [0.5, -0.2, 0.5]}"#, "image_std must hold finite positive numbers, got -0.2"),
    (#"{"image_std": [0.5, 0, 0.5]}"#, "image_std contains 0"),
    (#"{"image_mean": [0.5, 0.5]}"#, "image_mean and image_std need 3 values, got 2 and 3"),
    (#"{"image_mean": [0.5, 0.5, 1e39]}"#, "image_mean must hold finite numbers, got inf"),
    (#"{"rescale_factor": 0}"#, "rescale_factor must be a finite non-zero number, got 0.0"),
    (#"{"resample": 17}"#, "unknown resample filter 17"),
  ])
  func badPreprocessorFieldsAreRefused(json: String, message: String) {
    let error = #expect(throws: ImageError.self) { try Self.config(json) }
    #expect(error?.kind == .invalidConfig)
    #expect(error?.description == "preprocessor_config.json: \(message)", "\(String(describing: error))")
  }

  @Test func preprocessorConfigThatIsAFolderIsRefused() throws {
    let url = Fixtures.temporaryDirectory("pre").appendingPathComponent("preprocessor_config.json")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    let error = #expect(throws: ImageError.self) { try ImagePreprocessor(configFile: url) }
    #expect(error?.description == "\(url.path): is a folder, not a preprocessor config")
  }

  @Test func imagesOfDifferentSizesWithoutCropAreAnErrorNotAnOverflow() throws {
    var p = ImagePreprocessor(imageSize: 32)
    p.doCenterCrop = false
    #expect(p.fixedOutputSize == nil)
    let a = RGBImage(width: 45, height: 31, red: 200), b = RGBImage(width: 29, height: 61, green: 90)
    let error = #expect(throws: ImageError.self) { try p.pixelValues([a, b], names: ["a.png", "b.jpg"]) }
    #expect(error?.file == "b.jpg")
    #expect(error?.description.contains("this 29×61 image preprocesses to 32×67 but a.png (45×31) to 46×32") == true, "\(String(describing: error))")
    // Same-size images still batch, and an exact size makes every image the same.
    #expect(try p.pixelValues([a, a]).shape == [2, 3, 32, 46])
    p.size = .exact(height: 32, width: 32)
    #expect(p.fixedOutputSize! == (32, 32))
    #expect(try p.pixelValues([a, b]).shape == [2, 3, 32, 32])
  }

  @Test func extremelyElongatedImageIsRefusedBeforeResizing() {
    let p = ImagePreprocessor(imageSize: 224)
    #expect(p.sizeProblem(height: 1, width: 292) == nil)  // 65408×224
    #expect(p.sizeProblem(height: 1, width: 65_535) == "this 65535×1 image is too elongated: resizing it for the model would make it 14679840×224 (limit 65536 per side)")
    #expect(p.sizeProblem(height: 40_000, width: 100) != nil)
  }

  // MARK: Tokenizer files

  static func tokenizerFolder(vocab: String, merges: String = "#version: 0.2\n") throws -> URL {
    let dir = Fixtures.temporaryDirectory("tokenizer-bad")
    try vocab.write(to: dir.appendingPathComponent("vocab.json"), atomically: true, encoding: .utf8)
    try merges.write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
    return dir
  }

  @Test func duplicateIdsInTheVocabularyAreRefused() throws {
    let dir = try Self.tokenizerFolder(vocab: #"{"a": 0, "b": 0, "<|startoftext|>": 1, "<|endoftext|>": 2}"#)
    let error = #expect(throws: TokenizerError.self) { try CLIPTokenizer(modelDirectory: dir) }
    #expect(error?.kind == .malformedVocabulary)
    #expect(error?.description == "\(dir.path)/vocab.json: tokens 'a' and 'b' both have id 0 (ids must be unique)")
  }

  @Test func repeatedTokenKeepsItsLastIdAndIsNotADuplicateId() throws {
    let dir = try Self.tokenizerFolder(vocab: #"{"a": 0, "a": 3, "<|startoftext|>": 1, "<|endoftext|>": 2}"#)
    let t = try CLIPTokenizer(modelDirectory: dir)
    #expect(t.largestID == 3)
  }

  @Test(arguments: [
    (#"[1, 2]"#, "expected '{'"),
    (#"{"a": "zero"}"#, "is not a non-negative integer"),
    (#"{"a": -1}"#, "is not a non-negative integer"),
    (#"{"a": 1.5}"#, "is not a non-negative integer"),
    (#"{"a": 99999999999}"#, "is too large"),
  ])
  func malformedVocabularyIsRefused(vocab: String, message: String) throws {
    let dir = try Self.tokenizerFolder(vocab: vocab)
    let error = #expect(throws: TokenizerError.self) { try CLIPTokenizer(modelDirectory: dir) }
    #expect(error?.description.hasPrefix("\(dir.path)/vocab.json: ") == true && error?.description.contains(message) == true,
            "\(String(describing: error))")
  }

  @Test func tokenizerFilesThatAreFoldersOrFIFOsAreRefused() throws {
    let dir = try Self.tokenizerFolder(vocab: #"{"<|startoftext|>": 0, "<|endoftext|>": 1}"#)
    let merges = dir.appendingPathComponent("merges.txt"), vocab = dir.appendingPathComponent("vocab.json")
    try FileManager.default.removeItem(at: merges)
    try FileManager.default.createDirectory(at: merges, withIntermediateDirectories: false)
    let folder = #expect(throws: TokenizerError.self) { try CLIPTokenizer(modelDirectory: dir) }
    #expect(folder?.description == "\(merges.path): is a folder, not a tokenizer file")
    try FileManager.default.removeItem(at: vocab)
    #expect(mkfifo(vocab.path, 0o644) == 0)
    let fifo = #expect(throws: TokenizerError.self) { try CLIPTokenizer(modelDirectory: dir) }
    #expect(fifo?.description == "\(vocab.path): is a FIFO, not a regular file")
  }
}
