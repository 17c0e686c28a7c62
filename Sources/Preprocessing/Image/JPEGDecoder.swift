import CJPEG

/// JPEG → RGB through libjpeg-turbo, matching Pillow's `Image.open(f).convert("RGB")`:
/// ISLOW DCT and fancy upsampling; greyscale replicated to three channels; 4-component
/// (CMYK/YCCK) data read as Adobe-inverted CMYK and converted with Pillow's `cmyk2rgb`.
enum JPEGDecoder {
  static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> RGBImage {
    guard let ctx = cliptune_jpeg_create() else {
      throw ImageError(file: name, kind: .corrupt, detail: "out of memory creating a JPEG decoder")
    }
    defer { cliptune_jpeg_destroy(ctx) }
    let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
    var w: Int32 = 0, h: Int32 = 0, components: Int32 = 0
    guard cliptune_jpeg_read_header(ctx, base, UInt(bytes.count), &w, &h, &components) == 0 else {
      throw failure(ctx, name)
    }
    let width = Int(w), height = Int(h)
    try ImageDecoder.checkSize(width: width, height: height, name: name)
    let pixelCount = width * height

    switch components {
    case 3:
      var status: Int32 = 0
      let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { buf, count in
        status = cliptune_jpeg_decode(ctx, Int32(JCS_RGB.rawValue), buf.baseAddress, pixelCount * 3)
        count = pixelCount * 3
      }
      guard status == 0 else { throw failure(ctx, name) }
      return RGBImage(width: width, height: height, pixels: pixels)

    case 1:
      var status: Int32 = 0
      let pixels = [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { buf, count in
        let p = buf.baseAddress!
        // Decode into the first third, then spread each grey sample to three, back to front.
        status = cliptune_jpeg_decode(ctx, Int32(JCS_GRAYSCALE.rawValue), p, pixelCount)
        if status == 0 {
          var i = pixelCount - 1
          while i >= 0 {
            let v = p[i]
            p[3 * i] = v; p[3 * i + 1] = v; p[3 * i + 2] = v
            i -= 1
          }
        }
        count = pixelCount * 3
      }
      guard status == 0 else { throw failure(ctx, name) }
      return RGBImage(width: width, height: height, pixels: pixels)

    case 4:
      var cmyk = [UInt8](repeating: 0, count: pixelCount * 4)
      let status = cmyk.withUnsafeMutableBufferPointer {
        cliptune_jpeg_decode(ctx, Int32(JCS_CMYK.rawValue), $0.baseAddress, pixelCount * 4)
      }
      guard status == 0 else { throw failure(ctx, name) }
      return RGBImage(width: width, height: height, pixels: invertedCMYKToRGB(cmyk, pixelCount))

    default:
      throw ImageError(file: name, kind: .corrupt,
                       detail: "cannot handle \(components)-component JPEG images")
    }
  }

  /// Pillow reads 4-component JPEG samples as "CMYK;I" (Adobe polarity: stored inverted), then
  /// `convert("RGB")` computes `R = 255 - K - C(255 - K)/255` with its rounding (MULDIV255).
  /// With the inversion folded in, for raw samples c, k: `R = k - muldiv255(255 - c, k)`.
  static func invertedCMYKToRGB(_ cmyk: [UInt8], _ pixelCount: Int) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: pixelCount * 3) { out, count in
      cmyk.withUnsafeBufferPointer { src in
        for i in 0..<pixelCount {
          let nk = Int(src[4 * i + 3])  // 255 - inverted K
          for c in 0..<3 {
            let ci = 255 - Int(src[4 * i + c])
            let t = ci * nk + 128
            let v = nk - ((t >> 8) + t) >> 8
            out[3 * i + c] = UInt8(clamping: v)
          }
        }
      }
      count = pixelCount * 3
    }
  }

  private static func failure(_ ctx: UnsafeMutablePointer<cliptune_jpeg>, _ name: String) -> ImageError {
    let message = withUnsafeBytes(of: &ctx.pointee.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    let truncated = message.hasPrefix("Premature end")
    return ImageError(file: name, kind: truncated ? .truncated : .corrupt,
                      detail: truncated ? "image file is truncated (\(message))" : "invalid JPEG: \(message)")
  }
}
