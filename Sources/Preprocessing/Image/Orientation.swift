/// The EXIF Orientation tag (0x0112): how the stored pixels must be transposed for display.
/// Values and transforms follow `PIL.ImageOps.exif_transpose`.
public enum ExifOrientation: Int, Sendable, CaseIterable {
  /// Stored as displayed.
  case up = 1
  /// Pillow's FLIP_LEFT_RIGHT.
  case upMirrored = 2
  /// Pillow's ROTATE_180.
  case down = 3
  /// Pillow's FLIP_TOP_BOTTOM.
  case downMirrored = 4
  /// Pillow's TRANSPOSE (mirror across the main diagonal).
  case leftMirrored = 5
  /// Pillow's ROTATE_270 (90° clockwise).
  case right = 6
  /// Pillow's TRANSVERSE (mirror across the anti-diagonal).
  case rightMirrored = 7
  /// Pillow's ROTATE_90 (90° counter-clockwise).
  case left = 8

  /// Whether width and height trade places.
  public var swapsAxes: Bool { rawValue >= 5 }
}

extension RGBImage {
  /// The image as displayed under `orientation` (what `exif_transpose` returns).
  public func applying(_ orientation: ExifOrientation) -> RGBImage {
    if orientation == .up { return self }
    let w = width, h = height
    let outW = orientation.swapsAxes ? h : w
    let outH = orientation.swapsAxes ? w : h
    if w == 0 || h == 0 { return RGBImage(width: outW, height: outH, pixels: []) }
    // Source pixel for output (x, y) is (sx0 + x*dxx + y*dxy, sy0 + x*dyx + y*dyy).
    let (sx0, dxx, dxy, sy0, dyx, dyy): (Int, Int, Int, Int, Int, Int)
    switch orientation {
    case .up: (sx0, dxx, dxy, sy0, dyx, dyy) = (0, 1, 0, 0, 0, 1)
    case .upMirrored: (sx0, dxx, dxy, sy0, dyx, dyy) = (w - 1, -1, 0, 0, 0, 1)
    case .down: (sx0, dxx, dxy, sy0, dyx, dyy) = (w - 1, -1, 0, h - 1, 0, -1)
    case .downMirrored: (sx0, dxx, dxy, sy0, dyx, dyy) = (0, 1, 0, h - 1, 0, -1)
    case .leftMirrored: (sx0, dxx, dxy, sy0, dyx, dyy) = (0, 0, 1, 0, 1, 0)
    case .right: (sx0, dxx, dxy, sy0, dyx, dyy) = (0, 0, 1, h - 1, -1, 0)
    case .rightMirrored: (sx0, dxx, dxy, sy0, dyx, dyy) = (w - 1, 0, -1, h - 1, -1, 0)
    case .left: (sx0, dxx, dxy, sy0, dyx, dyy) = (w - 1, 0, -1, 0, 1, 0)
    }
    // Offsets in bytes within the source: step per output column and per output row.
    let colStep = (dyx * w + dxx) * 3
    let rowStep = (dyy * w + dxy) * 3
    let start = (sy0 * w + sx0) * 3
    let out = [UInt8](unsafeUninitializedCapacity: outW * outH * 3) { dst, count in
      pixels.withUnsafeBufferPointer { src in
        let s = src.baseAddress!, d = dst.baseAddress!
        var o = 0
        for y in 0..<outH {
          var i = start + y * rowStep
          for _ in 0..<outW {
            d[o] = s[i]; d[o + 1] = s[i + 1]; d[o + 2] = s[i + 2]
            o += 3
            i += colStep
          }
        }
      }
      count = outW * outH * 3
    }
    return RGBImage(width: outW, height: outH, pixels: out)
  }
}
