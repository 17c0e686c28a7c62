import Foundation
import Tensors

/// Decodes JPEG and PNG files into 8-bit RGB exactly as Python does with
/// `PIL.ImageOps.exif_transpose(Image.open(path)).convert("RGB")` (what transformers'
/// `load_image` does): EXIF/XMP orientation applied, alpha dropped, greyscale replicated.
///
/// The format is recognised from the leading bytes, never from the file name. Every failure
/// (unreadable, empty, truncated, corrupt, unsupported, too large) throws an ``ImageError`` that
/// names the file; nothing crashes or aborts the process.
public enum ImageDecoder {
  /// Pillow's decompression-bomb limit (`2 * Image.MAX_IMAGE_PIXELS`); larger images are refused.
  public static let maxPixels = 2 * 89_478_485
  /// The largest width or height accepted (JPEG's own limit; PNG allows more, Pillow no limit).
  public static let maxSide = 65_535
  /// Image files above this size are refused unread.
  public static let maxFileBytes = 1 << 30

  /// Reads and decodes the file at `url`.
  public static func decode(contentsOf url: URL) throws -> RGBImage {
    let name = url.path
    let data: Data
    do {
      data = try InputFile.read(name, what: "file", limit: maxFileBytes)
    } catch let e as InputFileError {
      throw ImageError(file: name, kind: .unreadable, detail: e.message)
    }
    return try decode(data: data, name: name)
  }

  /// Decodes an in-memory JPEG or PNG; `name` identifies it in errors.
  public static func decode(data: Data, name: String) throws -> RGBImage {
    try data.withUnsafeBytes { bytes in try decode(bytes: bytes, name: name) }
  }

  static func decode(bytes: UnsafeRawBufferPointer, name: String) throws -> RGBImage {
    guard bytes.count > 0 else { throw ImageError(file: name, kind: .empty, detail: "empty file") }
    switch ImageFormat(sniffing: bytes) {
    case .jpeg:
      let image = try JPEGDecoder.decode(bytes, name: name)
      let segments = JPEGSegments(bytes)
      let exif = segments.exif.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
      let xmp = segments.xmp.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) }
      return image.applying(OrientationMetadata.orientation(exif: exif, xmp: xmp))
    case .png:
      let result = try PNGDecoder.decode(bytes, name: name)
      return result.image.applying(result.orientation)
    case .other(let format):
      throw ImageError(file: name, kind: .unsupportedFormat,
                       detail: "\(format) images are not supported (only JPEG and PNG)")
    case .unknown:
      throw ImageError(file: name, kind: .unsupportedFormat,
                       detail: "cannot identify image file (not JPEG or PNG)")
    }
  }

  /// Refuses empty or decompression-bomb dimensions.
  static func checkSize(width: Int, height: Int, name: String) throws {
    guard width > 0, height > 0 else {
      throw ImageError(file: name, kind: .corrupt, detail: "image has no pixels (\(width)×\(height))")
    }
    guard width <= maxSide, height <= maxSide else {
      throw ImageError(file: name, kind: .tooLarge,
                       detail: "image size \(width)×\(height) exceeds the limit of \(maxSide) pixels per side")
    }
    guard width * height <= maxPixels else {  // both ≤ 65535: no overflow
      throw ImageError(file: name, kind: .tooLarge,
                       detail: "image size (\(width)×\(height) = \(width * height) pixels) exceeds the limit of \(maxPixels) pixels")
    }
  }
}

/// Image formats recognised by their signatures.
enum ImageFormat: Equatable {
  case jpeg, png
  /// A known format this package does not decode.
  case other(String)
  case unknown

  init(sniffing b: UnsafeRawBufferPointer) {
    func has(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
      b.count >= offset + prefix.count && prefix.indices.allSatisfy { b[offset + $0] == prefix[$0] }
    }
    func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
    if has([0xFF, 0xD8, 0xFF]) { self = .jpeg }
    else if has([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png }
    else if has(ascii("GIF87a")) || has(ascii("GIF89a")) { self = .other("GIF") }
    else if has(ascii("RIFF")) && has(ascii("WEBP"), at: 8) { self = .other("WebP") }
    else if has(ascii("BM")) && b.count >= 26 { self = .other("BMP") }
    else if has([0x49, 0x49, 0x2A, 0x00]) || has([0x4D, 0x4D, 0x00, 0x2A]) { self = .other("TIFF") }
    else if has(ascii("ftyp"), at: 4) { self = .other("HEIF/AVIF") }
    else if has([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || has([0xFF, 0x4F, 0xFF, 0x51]) {
      self = .other("JPEG 2000")
    }
    else { self = .unknown }
  }
}
