import CPNG

/// PNG → RGB through libpng, matching Pillow's `Image.open(f).convert("RGB")` for every colour
/// type and bit depth. Pillow's rules (PngImagePlugin modes + Convert.c):
/// - grey 1/2/4-bit: scaled to 0…255 (×255, ×85, ×17); 8-bit as is; **16-bit ("I;16") clamps to
///   255** (`v > 255 ? 255 : v`), it is not `v >> 8`;
/// - RGB, RGBA, grey+alpha at 16 bits: the high byte of each sample;
/// - alpha (and tRNS) is dropped, not composited;
/// - palette indices map through PLTE; indices past its end give black.
/// Gamma, sRGB, iCCP and sBIT chunks are ignored, as Pillow ignores them.
enum PNGDecoder {
  /// The decoded pixels and the metadata that can carry an orientation.
  struct Result {
    var image: RGBImage
    var orientation: ExifOrientation
  }

  static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> Result {
    guard let ctx = cliptune_png_create() else {
      throw ImageError(file: name, kind: .corrupt, detail: "out of memory creating a PNG decoder")
    }
    defer { cliptune_png_destroy(ctx) }
    let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
    var w: UInt32 = 0, h: UInt32 = 0
    var depth: Int32 = 0, colorType: Int32 = 0, interlace: Int32 = 0
    guard cliptune_png_read_header(ctx, base, bytes.count, &w, &h, &depth, &colorType, &interlace) == 0 else {
      throw failure(ctx, name)
    }
    let width = Int(w), height = Int(h), bitDepth = Int(depth)
    try ImageDecoder.checkSize(width: width, height: height, name: name)

    let channels: Int
    switch colorType {
    case 0, 3: channels = 1
    case 2: channels = 3
    case 4: channels = 2
    case 6: channels = 4
    default: throw ImageError(file: name, kind: .corrupt, detail: "invalid PNG colour type \(colorType)")
    }
    let bytesPerSample = bitDepth == 16 ? 2 : 1  // 1/2/4-bit samples are unpacked to a byte
    let rowBytes = width * channels * bytesPerSample
    var raw = [UInt8](repeating: 0, count: rowBytes * height)
    let status = raw.withUnsafeMutableBufferPointer {
      cliptune_png_decode(ctx, $0.baseAddress, rowBytes, height)
    }
    guard status == 0 else { throw failure(ctx, name) }
    _ = cliptune_png_read_end(ctx)  // trailing chunks are optional, as in Pillow

    var palette = [UInt8](repeating: 0, count: 768)  // entries past PLTE's end stay black
    if colorType == 3 {
      _ = palette.withUnsafeMutableBufferPointer { cliptune_png_palette(ctx, $0.baseAddress) }
    }
    let pixels = convert(raw, pixelCount: width * height, colorType: Int(colorType),
                         bitDepth: bitDepth, palette: palette)
    return Result(image: RGBImage(width: width, height: height, pixels: pixels),
                  orientation: orientation(ctx))
  }

  /// Pillow's `convert("RGB")` of the samples libpng produced.
  static func convert(_ raw: [UInt8], pixelCount n: Int, colorType: Int, bitDepth: Int,
                      palette: [UInt8]) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: n * 3) { out, count in
      raw.withUnsafeBufferPointer { inBuf in
        palette.withUnsafeBufferPointer { pal in
          let s = inBuf.baseAddress!, d = out.baseAddress!
          switch (colorType, bitDepth) {
          case (0, 16):  // "I;16" → RGB clamps
            for i in 0..<n {
              let v: UInt8 = s[2 * i] == 0 ? s[2 * i + 1] : 255
              d[3 * i] = v; d[3 * i + 1] = v; d[3 * i + 2] = v
            }
          case (0, _):
            let scale: UInt8 = bitDepth == 1 ? 255 : bitDepth == 2 ? 85 : bitDepth == 4 ? 17 : 1
            for i in 0..<n {
              let v = s[i] &* scale
              d[3 * i] = v; d[3 * i + 1] = v; d[3 * i + 2] = v
            }
          case (2, 16):
            for i in 0..<(3 * n) { d[i] = s[2 * i] }
          case (2, _):
            d.update(from: s, count: 3 * n)
          case (3, _):
            for i in 0..<n {
              let p = 3 * Int(s[i])
              d[3 * i] = pal[p]; d[3 * i + 1] = pal[p + 1]; d[3 * i + 2] = pal[p + 2]
            }
          case (4, _):
            let stride = bitDepth == 16 ? 4 : 2
            for i in 0..<n {
              let v = s[stride * i]
              d[3 * i] = v; d[3 * i + 1] = v; d[3 * i + 2] = v
            }
          default:  // (6, 8 or 16)
            let stride = bitDepth == 16 ? 8 : 4, step = bitDepth == 16 ? 2 : 1
            for i in 0..<n {
              d[3 * i] = s[stride * i]
              d[3 * i + 1] = s[stride * i + step]
              d[3 * i + 2] = s[stride * i + 2 * step]
            }
          }
        }
      }
      count = n * 3
    }
  }

  /// Orientation from the eXIf chunk, else ImageMagick's "Raw profile type exif" text, else XMP
  /// (iTXt "XML:com.adobe.xmp"), in Pillow's order.
  private static func orientation(_ ctx: UnsafeMutablePointer<cliptune_png>) -> ExifOrientation {
    var length = 0
    var exif: [UInt8]? = nil
    if let p = cliptune_png_exif(ctx, &length), length > 0 {
      exif = Array(UnsafeRawBufferPointer(start: p, count: length))
    } else if let p = cliptune_png_text(ctx, "Raw profile type exif", &length), length > 0 {
      exif = OrientationMetadata.rawProfileBytes(UnsafeRawBufferPointer(start: p, count: length))
    }
    var xmp: [UInt8]? = nil
    if let p = cliptune_png_text(ctx, "XML:com.adobe.xmp", &length), length > 0 {
      xmp = Array(UnsafeRawBufferPointer(start: p, count: length))
    }
    return exif.withOptionalBytes { e in
      xmp.withOptionalBytes { x in OrientationMetadata.orientation(exif: e, xmp: x) }
    }
  }

  private static func failure(_ ctx: UnsafeMutablePointer<cliptune_png>, _ name: String) -> ImageError {
    let message = withUnsafeBytes(of: &ctx.pointee.message) { raw in
      String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    let truncated = message.contains("truncated") || message.contains("Not enough image data")
    return ImageError(file: name, kind: truncated ? .truncated : .corrupt,
                      detail: truncated ? (message.hasPrefix("image file is truncated") ? message : "image file is truncated (\(message))")
                                 : "invalid PNG: \(message)")
  }
}

extension Optional where Wrapped == [UInt8] {
  /// Calls `body` with the bytes, or with nil.
  func withOptionalBytes<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
    switch self {
    case .some(let a): return a.withUnsafeBytes { body($0) }
    case .none: return body(nil)
    }
  }
}
