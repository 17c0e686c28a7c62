import Foundation

/// Pillow's resampling filters (`PIL.Image.Resampling`), with the integer values found in
/// `preprocessor_config.json`'s `resample`.
public enum ResampleFilter: Int, Sendable, CaseIterable {
  case nearest = 0, lanczos = 1, bilinear = 2, bicubic = 3, box = 4, hamming = 5
  /// Magic Kernel Sharp 2013 and 2021 (Pillow ≥ 13).
  case mks2013 = 6, mks2021 = 7

  /// Half-width of the kernel at scale 1.
  var support: Double {
    switch self {
    case .nearest: return 0
    case .box: return 0.5
    case .bilinear, .hamming: return 1
    case .bicubic: return 2
    case .mks2013: return 2.5
    case .lanczos: return 3
    case .mks2021: return 4.5
    }
  }

  /// The kernel, written exactly as Pillow's Resample.c evaluates it (same operation order,
  /// including Hamming's float constants), so the double-precision weights agree bit for bit.
  @inline(__always)
  func weight(_ x0: Double) -> Double {
    switch self {
    case .nearest:
      return 0
    case .box:
      return x0 > -0.5 && x0 <= 0.5 ? 1 : 0
    case .bilinear:
      let x = abs(x0)
      return x < 1 ? 1 - x : 0
    case .hamming:
      var x = abs(x0)
      if x == 0 { return 1 }
      if x >= 1 { return 0 }
      x = x * Double.pi
      return sin(x) / x * (Double(Float(0.54)) + Double(Float(0.46)) * cos(x))
    case .bicubic:
      let a = -0.5, x = abs(x0)
      if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
      if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
      return 0
    case .lanczos:
      func sinc(_ v: Double) -> Double {
        if v == 0 { return 1 }
        let t = v * Double.pi
        return sin(t) / t
      }
      return -3 <= x0 && x0 < 3 ? sinc(x0) * sinc(x0 / 3) : 0
    case .mks2013:  // pow(x, 2) is x * x (GCC emits exactly that)
      let x = abs(x0)
      if x < 0.5 { return 17.0 / 16.0 - 7.0 / 4.0 * (x * x) }
      if x < 1.5 { return (1.0 - x) * (7.0 / 4.0 - x) }
      if x < 2.5 { let t = x - 5.0 / 2.0; return -1.0 / 8.0 * (t * t) }
      return 0
    case .mks2021:
      let x = abs(x0)
      if x < 0.5 { return 577.0 / 576.0 - 239.0 / 144.0 * (x * x) }
      if x < 1.5 { return 35.0 / 36.0 * (x - 1.0) * (x - 239.0 / 140.0) }
      if x < 2.5 { return 1.0 / 6.0 * (x - 2.0) * (65.0 / 24.0 - x) }
      if x < 3.5 { return 1.0 / 36.0 * (x - 3.0) * (x - 15.0 / 4.0) }
      if x < 4.5 { let t = x - 9.0 / 2.0; return -1.0 / 288.0 * (t * t) }
      return 0
    }
  }
}

/// One axis of a separable convolution resize: for each output index, the first input index,
/// the number of taps, and `ksize` fixed-point weights (Pillow's `precompute_coeffs` followed by
/// `normalize_coeffs_8bpc`: 22 fractional bits, rounded half away from zero).
struct ResampleAxis {
  static let precisionBits = 22
  let ksize: Int
  var first: [Int]
  var taps: [Int]
  var weights: [Int32]  // [outSize, ksize]

  init(inSize: Int, outSize: Int, filter: ResampleFilter) {
    let scale = Double(Float(inSize) - Float(0)) / Double(outSize)
    let filterScale = Swift.max(scale, 1)
    let support = filter.support * filterScale
    ksize = Int(support.rounded(.up)) * 2 + 1
    first = [Int](repeating: 0, count: outSize)
    taps = [Int](repeating: 0, count: outSize)
    weights = [Int32](repeating: 0, count: outSize * ksize)
    var k = [Double](repeating: 0, count: ksize)
    let ss = 1.0 / filterScale
    let one = Double(1 << ResampleAxis.precisionBits)
    for xx in 0..<outSize {
      let center = 0 + (Double(xx) + 0.5) * scale
      var ww = 0.0
      let xmin = Swift.max(Int(center - support + 0.5), 0)     // C's (int) truncates toward zero
      let xmax = Swift.min(Int(center + support + 0.5), inSize) - xmin
      for x in 0..<Swift.max(xmax, 0) {
        let w = filter.weight((Double(x + xmin) - center + 0.5) * ss)
        k[x] = w
        ww += w
      }
      for x in 0..<Swift.max(xmax, 0) where ww != 0 { k[x] /= ww }
      for x in 0..<ksize {
        let v = x < xmax ? k[x] : 0
        weights[xx * ksize + x] = Int32(v < 0 ? -0.5 + v * one : 0.5 + v * one)
      }
      first[xx] = xmin
      taps[xx] = Swift.max(xmax, 0)
    }
  }
}

extension RGBImage {
  /// This image resized to `width × height` exactly as Pillow's
  /// `Image.resize((width, height), filter)` does for an RGB image (no `reducing_gap`): two
  /// separable convolutions with antialiasing (support scaled by the reduction factor), 22-bit
  /// fixed-point weights and 8-bit rounding and clipping between the passes, in Pillow 13's
  /// order (vertical first when the height shrinks by more than twice as many pixels as the
  /// width). `.nearest` follows Pillow's affine nearest-neighbour scaling. Bit-exact with Pillow 13.
  public func resized(width outW: Int, height outH: Int, filter: ResampleFilter = .bicubic) -> RGBImage {
    resized(width: outW, height: outH, filter: filter, window: (0, 0, outW, outH))
  }

  /// Only the `window` (x, y, width, height) of `resized(width:height:filter:)`; each output
  /// pixel is computed as in the full resize, so this is exactly a crop of it.
  func resized(width outW: Int, height outH: Int, filter: ResampleFilter,
               window: (x: Int, y: Int, width: Int, height: Int)) -> RGBImage {
    precondition(outW > 0 && outH > 0, "cannot resize to \(outW)×\(outH)")
    precondition(window.x >= 0 && window.y >= 0 && window.x + window.width <= outW
                 && window.y + window.height <= outH && window.width > 0 && window.height > 0,
                 "window \(window) outside \(outW)×\(outH)")
    precondition(width > 0 && height > 0, "cannot resize an empty image")
    if outW == width && outH == height {  // Pillow returns a copy
      return window == (0, 0, outW, outH) ? self : cropped(x: window.x, y: window.y, width: window.width, height: window.height)
    }
    if filter == .nearest { return nearest(outW, outH, window) }
    return Resampler.convolve(self, outW: outW, outH: outH, filter: filter, window: window)
  }

  /// The `width × height` region at (x, y); must lie inside the image.
  func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
    var out = [UInt8](repeating: 0, count: w * h * 3)
    pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for row in 0..<h {
          (dst.baseAddress! + row * w * 3).update(from: src.baseAddress! + ((y + row) * width + x) * 3, count: w * 3)
        }
      }
    }
    return RGBImage(width: w, height: h, pixels: out)
  }

  /// Pillow's `ImagingScaleAffine`: source index `(int)(0.5·step + i·step)` accumulated in double.
  private func nearest(_ outW: Int, _ outH: Int, _ window: (x: Int, y: Int, width: Int, height: Int)) -> RGBImage {
    func table(_ inSize: Int, _ outSize: Int) -> [Int] {
      let step = Double(Float(inSize) - Float(0)) / Double(outSize)
      var pos = 0 + step * 0.5
      var t = [Int](repeating: -1, count: outSize)
      for i in 0..<outSize {
        let v = pos < 0 ? -1 : Int(pos)
        t[i] = v < inSize ? v : -1
        pos += step
      }
      return t
    }
    let xs = table(width, outW), ys = table(height, outH)
    var out = [UInt8](repeating: 0, count: window.width * window.height * 3)
    for r in 0..<window.height {
      let sy = ys[window.y + r]
      guard sy >= 0 else { continue }
      for c in 0..<window.width {
        let sx = xs[window.x + c]
        guard sx >= 0 else { continue }
        let s = (sy * width + sx) * 3, d = (r * window.width + c) * 3
        out[d] = pixels[s]; out[d + 1] = pixels[s + 1]; out[d + 2] = pixels[s + 2]
      }
    }
    return RGBImage(width: window.width, height: window.height, pixels: out)
  }
}

/// The two convolution passes of Pillow's `ImagingResampleInner` for 3-channel 8-bit images,
/// restricted to an output window (each output pixel is computed exactly as in the full resize).
enum Resampler {
  /// Pillow ≥ 13 runs the vertical pass first when the height shrinks by more than twice as many
  /// pixels as the width (`ih - oh > 0 && ih - oh > 2 (iw - ow)`); otherwise horizontal first.
  /// The order changes the 8-bit rounding between passes, so it must match.
  static func verticalFirst(inW: Int, inH: Int, outW: Int, outH: Int) -> Bool {
    inH - outH > 0 && inH - outH > (inW - outW) * 2
  }

  static func convolve(_ image: RGBImage, outW: Int, outH: Int, filter: ResampleFilter,
                       window: (x: Int, y: Int, width: Int, height: Int)) -> RGBImage {
    let inW = image.width, inH = image.height
    let needH = outW != inW, needV = outH != inH
    let ww = window.width, wh = window.height
    let cols = window.x..<(window.x + ww), rows = window.y..<(window.y + wh)
    let horiz = needH ? ResampleAxis(inSize: inW, outSize: outW, filter: filter) : nil
    let vert = needV ? ResampleAxis(inSize: inH, outSize: outH, filter: filter) : nil

    let out: [UInt8] = image.pixels.withUnsafeBufferPointer { srcBuf in
      let src = srcBuf.baseAddress!, srcStride = inW * 3
      if verticalFirst(inW: inW, inH: inH, outW: outW, outH: outH), let v = vert {
        // Vertical over the input columns the window needs, then horizontal.
        let (c0, c1) = horiz.map { ($0.first[cols.lowerBound], $0.first[cols.upperBound - 1] + $0.taps[cols.upperBound - 1]) }
          ?? (cols.lowerBound, cols.upperBound)
        let temp = vertical(src + c0 * 3, stride: srcStride, rowBytes: (c1 - c0) * 3, rowOffset: 0, axis: v, rows: rows)
        guard let h = horiz else { return temp }
        return temp.withUnsafeBufferPointer {
          horizontal($0.baseAddress!, stride: (c1 - c0) * 3, rowCount: wh, columnOffset: c0, axis: h, columns: cols)
        }
      }
      // Horizontal over the input rows the window needs, then vertical.
      let (r0, r1) = vert.map { ($0.first[rows.lowerBound], $0.first[rows.upperBound - 1] + $0.taps[rows.upperBound - 1]) }
        ?? (rows.lowerBound, rows.upperBound)
      if let h = horiz {
        let temp = horizontal(src + r0 * srcStride, stride: srcStride, rowCount: r1 - r0, columnOffset: 0, axis: h, columns: cols)
        guard let v = vert else { return temp }
        return temp.withUnsafeBufferPointer { t in
          vertical(t.baseAddress!, stride: ww * 3, rowBytes: ww * 3, rowOffset: r0, axis: v, rows: rows)
        }
      }
      let v = vert!  // resized(...) returns early when neither pass is needed
      return vertical(src + cols.lowerBound * 3, stride: srcStride, rowBytes: ww * 3, rowOffset: 0, axis: v, rows: rows)
    }
    return RGBImage(width: ww, height: wh, pixels: out)
  }

  /// Pillow's `ImagingResampleHorizontal_8bpc`: `rowCount` rows of `src` (`stride` bytes apart),
  /// output columns `columns`; `columnOffset` is the input column `src` starts at.
  static func horizontal(_ src: UnsafePointer<UInt8>, stride: Int, rowCount: Int, columnOffset: Int,
                         axis: ResampleAxis, columns: Range<Int>) -> [UInt8] {
    let outCount = rowCount * columns.count * 3
    let half = Int32(1 << (ResampleAxis.precisionBits - 1))
    let shift = Int32(ResampleAxis.precisionBits)
    return [UInt8](unsafeUninitializedCapacity: outCount) { out, count in
      axis.weights.withUnsafeBufferPointer { kk in
        axis.first.withUnsafeBufferPointer { first in
          axis.taps.withUnsafeBufferPointer { taps in
            let d = out.baseAddress!, kb = kk.baseAddress!, ksize = axis.ksize
            var o = 0
            for y in 0..<rowCount {
              let row = src + y * stride
              for xx in columns {
                let k = kb + xx * ksize
                var p = row + (first[xx] - columnOffset) * 3
                var s0 = half, s1 = half, s2 = half
                for x in 0..<taps[xx] {
                  let w = k[x]
                  s0 &+= Int32(p[0]) &* w
                  s1 &+= Int32(p[1]) &* w
                  s2 &+= Int32(p[2]) &* w
                  p += 3
                }
                d[o] = clip8(s0 >> shift)
                d[o + 1] = clip8(s1 >> shift)
                d[o + 2] = clip8(s2 >> shift)
                o += 3
              }
            }
          }
        }
      }
      count = outCount
    }
  }

  /// Pillow's `ImagingResampleVertical_8bpc` for output rows `rows`: row r of `src` (`stride`
  /// bytes apart, `rowBytes` used) holds input row `rowOffset + r`. Accumulates whole rows at a
  /// time (the same integer sums in another order: exact, and vectorisable).
  static func vertical(_ src: UnsafePointer<UInt8>, stride: Int, rowBytes: Int, rowOffset: Int,
                       axis: ResampleAxis, rows: Range<Int>) -> [UInt8] {
    let outCount = rows.count * rowBytes
    let half = Int32(1 << (ResampleAxis.precisionBits - 1))
    let shift = Int32(ResampleAxis.precisionBits)
    var acc = [Int32](repeating: 0, count: rowBytes)
    return [UInt8](unsafeUninitializedCapacity: outCount) { out, count in
      acc.withUnsafeMutableBufferPointer { accBuf in
        axis.weights.withUnsafeBufferPointer { kk in
          let d = out.baseAddress!, a = accBuf.baseAddress!
          for (r, yy) in rows.enumerated() {
            for i in 0..<rowBytes { a[i] = half }
            let first = axis.first[yy] - rowOffset
            for t in 0..<axis.taps[yy] {
              let w = kk[yy * axis.ksize + t]
              let line = src + (first + t) * stride
              for i in 0..<rowBytes { a[i] &+= Int32(line[i]) &* w }
            }
            let dst = d + r * rowBytes
            for i in 0..<rowBytes { dst[i] = clip8(a[i] >> shift) }
          }
        }
      }
      count = outCount
    }
  }

  @inline(__always)
  static func clip8(_ v: Int32) -> UInt8 { UInt8(clamping: v) }
}
