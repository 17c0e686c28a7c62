import CPNG
import Foundation

/// A PNG that cannot be written (an empty or oversized image, or out of memory).
public struct PNGEncodingError: Error, CustomStringConvertible, Sendable, Equatable {
  /// libpng's reason, or ours.
  public let message: String

  public init(message: String) { self.message = message }

  public var description: String { "cannot encode PNG: \(message)" }
}

/// RGB → PNG through libpng's simplified write API (8-bit RGB, default compression).
///
/// The output carries no timestamps or text, so the same pixels always give the same bytes, and
/// `ImageDecoder.decode` gives back exactly the pixels that went in.
public enum PNGEncoder {
  /// The PNG file bytes for `image`. Throws `PNGEncodingError` for an image with no pixels or
  /// one too large for PNG (sides above 2³¹ − 1).
  public static func encode(_ image: RGBImage) throws -> Data {
    guard image.width > 0, image.height > 0 else {
      throw PNGEncodingError(message: "image is \(image.width)×\(image.height); PNG needs at least one pixel")
    }
    guard image.width <= Int(Int32.max), image.height <= Int(Int32.max) else {
      throw PNGEncodingError(message: "image is \(image.width)×\(image.height); PNG sides stop at 2³¹ − 1")
    }
    var out: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: 256)
    let status = image.pixels.withUnsafeBufferPointer { pixels in
      message.withUnsafeMutableBufferPointer { text in
        cliptune_png_encode_rgb(pixels.baseAddress, UInt32(image.width), UInt32(image.height),
                                &out, &size, text.baseAddress, text.count)
      }
    }
    guard status == 0, let out else {
      let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      throw PNGEncodingError(message: text.isEmpty ? "libpng failed" : text)
    }
    defer { free(out) }
    return Data(bytes: out, count: size)
  }
}
