import Foundation
import Tensors

/// CLIP image preprocessing, numerically identical to transformers' PIL-backend
/// `CLIPImageProcessorPil` (the "slow" processor; `AutoImageProcessor.from_pretrained(dir,
/// backend="pil")`): resize (Pillow, default bicubic, shortest edge), center crop (zero padding
/// when the image is smaller), rescale by `rescale_factor` in float64 then float32, normalise
/// `(x - mean) / std` in float32. Output is channel-first `[3, H, W]`.
///
/// ``vit(imageSize:)`` is ViT's variant (`ViTImageProcessorPil`): exact resize, bilinear, no crop,
/// mean = std = 0.5; a preprocessor_config.json of a ViT processor selects it (`init(configFile:)`).
///
/// transformers v5's default `CLIPImageProcessor` is the torchvision backend, whose antialiased
/// bicubic resize differs slightly from Pillow's; see docs/image-preprocessing.md for the measured gap.
public struct ImagePreprocessor: Sendable {
  /// How `do_resize` sizes an image.
  public enum Size: Sendable, Equatable {
    /// The shorter side becomes N; the longer `Int(N * long / short)` (transformers'
    /// `get_resize_output_image_size(..., default_to_square=False)`).
    case shortestEdge(Int)
    /// Exactly `height × width`.
    case exact(height: Int, width: Int)
  }

  /// OpenAI CLIP's per-channel mean (`OPENAI_CLIP_MEAN`), as float32 of the Python floats.
  public static let clipMean: [Float] = ["0.48145466", "0.4578275", "0.40821073"].map { Float(Double($0)!) }
  /// OpenAI CLIP's per-channel std (`OPENAI_CLIP_STD`), as float32 of the Python floats.
  public static let clipStd: [Float] = ["0.26862954", "0.26130258", "0.27577711"].map { Float(Double($0)!) }

  /// `do_resize`.
  public var doResize = true
  /// `size`.
  public var size = Size.shortestEdge(224)
  /// `resample` (Pillow filter; CLIP uses 3 = bicubic).
  public var resample = ResampleFilter.bicubic
  /// `do_center_crop`.
  public var doCenterCrop = true
  /// `crop_size`.
  public var cropSize: (height: Int, width: Int) = (224, 224)
  /// `do_rescale`.
  public var doRescale = true
  /// `rescale_factor` (1/255).
  public var rescaleFactor: Double = 1.0 / 255.0
  /// `do_normalize`.
  public var doNormalize = true
  /// `image_mean`, one per channel.
  public var mean: [Float] = ImagePreprocessor.clipMean
  /// `image_std`, one per channel.
  public var std: [Float] = ImagePreprocessor.clipStd
  /// `do_convert_rgb`; decoded images are always RGB already, so this changes nothing.
  public var doConvertRGB = true

  /// CLIP's preprocessing at `imageSize` (shortest edge and square crop) with `mean`/`std`.
  public init(imageSize: Int = 224, mean: [Float] = ImagePreprocessor.clipMean,
              std: [Float] = ImagePreprocessor.clipStd) {
    precondition(imageSize > 0, "imageSize must be positive")
    precondition(mean.count == 3 && std.count == 3, "mean and std need 3 values")
    size = .shortestEdge(imageSize)
    cropSize = (imageSize, imageSize)
    self.mean = mean
    self.std = std
  }

  /// `IMAGENET_STANDARD_MEAN` = `IMAGENET_STANDARD_STD` = 0.5 per channel (ViT's mean and std).
  public static let imagenetStandard: [Float] = [0.5, 0.5, 0.5]

  /// transformers' `ViTImageProcessor` (PIL backend, `ViTImageProcessorPil`) defaults at
  /// `imageSize`: resize to exactly `imageSize × imageSize` with Pillow's bilinear filter (no
  /// aspect-preserving step, no center crop), rescale by 1/255, normalise with mean = std = 0.5.
  /// nlpconnect/vit-gpt2-image-captioning's preprocessor_config.json says exactly this at 224.
  public static func vit(imageSize: Int = 224) -> ImagePreprocessor {
    var p = ImagePreprocessor(imageSize: imageSize, mean: imagenetStandard, std: imagenetStandard)
    p.size = .exact(height: imageSize, width: imageSize)
    p.resample = .bilinear
    p.doCenterCrop = false
    return p
  }

  /// The `(height, width)` the resize step produces for an image of `height × width`.
  public func resizedSize(height: Int, width: Int) -> (height: Int, width: Int) {
    switch size {
    case .exact(let h, let w):
      return (h, w)
    case .shortestEdge(let n):
      let (short, long) = width <= height ? (width, height) : (height, width)
      let newLong = Int(Double(n * long) / Double(short))  // Python: int(n * long / short)
      return width <= height ? (newLong, n) : (n, newLong)
    }
  }

  /// The longest side the resize step may produce; an image so elongated that resizing its short
  /// side would exceed this is refused (``sizeProblem(height:width:)``) rather than resampled
  /// through gigabytes of filter coefficients.
  public static let maxResizedSide = 1 << 16

  /// Why an image of `height × width` cannot go through this preprocessing (its resized size would
  /// be absurd), or nil. Callers check this before ``pixelValues(_:names:)`` or
  /// ``resizedAndCropped(_:)``.
  public func sizeProblem(height: Int, width: Int) -> String? {
    guard doResize else { return nil }
    let (h, w) = resizedSize(height: height, width: width)
    guard h > Self.maxResizedSide || w > Self.maxResizedSide else { return nil }
    return "this \(width)×\(height) image is too elongated: resizing it for the model would make it \(w)×\(h) (limit \(Self.maxResizedSide) per side)"
  }

  /// The resize step alone (Pillow-exact); returns the image unchanged when `doResize` is false.
  public func resizeShortestEdge(_ image: RGBImage) -> RGBImage {
    guard doResize else { return image }
    let (h, w) = resizedSize(height: image.height, width: image.width)
    return image.resized(width: w, height: h, filter: resample)
  }

  /// transformers' `center_crop` to `cropSize`: offset `(size - crop) // 2` when the image is
  /// large enough; otherwise the image is placed at `ceil((crop - size) / 2)` on zeros.
  public func centerCrop(_ image: RGBImage) -> RGBImage {
    let (ch, cw) = cropSize
    let top = floorDiv(image.height - ch, 2), left = floorDiv(image.width - cw, 2)
    if top >= 0 && left >= 0 {
      return image.cropped(x: left, y: top, width: cw, height: ch)
    }
    // Per axis: crop offset when the image is larger, padding offset when it is smaller.
    let srcY = max(top, 0), dstY = max(-top, 0), rows = min(image.height, ch)
    let srcX = max(left, 0), dstX = max(-left, 0), cols = min(image.width, cw)
    var out = [UInt8](repeating: 0, count: ch * cw * 3)
    for r in 0..<rows {
      let s = ((srcY + r) * image.width + srcX) * 3, d = ((dstY + r) * cw + dstX) * 3
      out.replaceSubrange(d..<(d + cols * 3), with: image.pixels[s..<(s + cols * 3)])
    }
    return RGBImage(width: cw, height: ch, pixels: out)
  }

  /// Resize + crop as 8-bit RGB: the image the model sees before rescaling. When the crop fits
  /// inside the resized image only the cropped window is computed (same pixels, less work).
  public func resizedAndCropped(_ image: RGBImage) -> RGBImage {
    guard doResize else { return doCenterCrop ? centerCrop(image) : image }
    let (h, w) = resizedSize(height: image.height, width: image.width)
    guard doCenterCrop else { return image.resized(width: w, height: h, filter: resample) }
    let (ch, cw) = cropSize
    let top = floorDiv(h - ch, 2), left = floorDiv(w - cw, 2)
    if top >= 0 && left >= 0 {
      return image.resized(width: w, height: h, filter: resample, window: (left, top, cw, ch))
    }
    return centerCrop(image.resized(width: w, height: h, filter: resample))
  }

  /// Output `[3, H, W]` for an input of `height × width`.
  public func outputShape(height: Int, width: Int) -> [Int] {
    if doCenterCrop { return [3, cropSize.height, cropSize.width] }
    if doResize {
      let (h, w) = resizedSize(height: height, width: width)
      return [3, h, w]
    }
    return [3, height, width]
  }

  /// The full pipeline for one image: `[3, H, W]` float32, channel-first.
  public func callAsFunction(_ image: RGBImage) -> [Float] {
    let ready = resizedAndCropped(image)
    var out = [Float](repeating: 0, count: ready.pixels.count)
    out.withUnsafeMutableBufferPointer { normalize(ready, into: $0.baseAddress!) }
    return out
  }

  /// A batch as one tensor `[B, 3, H, W]`, images processed in parallel. All images must give
  /// the same `[3, H, W]` (always true with center crop, or an exact resize); otherwise this
  /// throws an ``ImageError`` naming the first image that differs (`names[i]`, or "image i") and
  /// both sizes, before anything is allocated.
  public func pixelValues(_ images: [RGBImage], names: [String]? = nil) throws -> Tensor {
    guard let first = images.first else { return Tensor(zeros: [0] + outputShape(height: 1, width: 1)) }
    func name(_ i: Int) -> String { names.flatMap { i < $0.count ? $0[i] : nil } ?? "image \(i)" }
    let shape = outputShape(height: first.height, width: first.width)
    for (i, image) in images.enumerated() {
      let s = outputShape(height: image.height, width: image.width)
      guard s == shape else {
        throw ImageError(file: name(i), kind: .invalidConfig,
                         detail: "this \(image.width)×\(image.height) image preprocesses to \(s[2])×\(s[1]) but \(name(0)) (\(first.width)×\(first.height)) to \(shape[2])×\(shape[1]); images of different sizes can only be batched with do_center_crop (or an exact height/width size) in the preprocessor config")
      }
    }
    let per = shape.reduce(1, *)
    var data = [Float](repeating: 0, count: images.count * per)
    data.withUnsafeMutableBufferPointer { buf in
      let base = buf.baseAddress!
      Parallel.forEach(images.count) { range in
        for i in range { normalize(resizedAndCropped(images[i]), into: base + i * per) }
      }
    }
    return Tensor(shape: [images.count] + shape, data: data)
  }

  /// The `(height, width)` every image comes out at, when that does not depend on the image
  /// (center crop, or an exact resize); nil when it does.
  public var fixedOutputSize: (height: Int, width: Int)? {
    if doCenterCrop { return cropSize }
    if doResize, case .exact(let h, let w) = size { return (h, w) }
    return nil
  }

  /// Writes `image` as `[3, H, W]` rescaled/normalised floats. Every 8-bit value maps to one
  /// float per channel, so a 3×256 table computed with transformers' exact arithmetic
  /// (`float32(float64(v) * factor)`, then `(x - mean) / std` in float32) does the work.
  func normalize(_ image: RGBImage, into out: UnsafeMutablePointer<Float>) {
    let table = lookupTable()
    let n = image.width * image.height
    table.withUnsafeBufferPointer { t in
      image.pixels.withUnsafeBufferPointer { src in
        let s = src.baseAddress!, lut = t.baseAddress!
        let r = out, g = out + n, b = out + 2 * n
        for i in 0..<n {
          r[i] = lut[Int(s[3 * i])]
          g[i] = lut[256 + Int(s[3 * i + 1])]
          b[i] = lut[512 + Int(s[3 * i + 2])]
        }
      }
    }
  }

  /// `[3, 256]`: the output value of each 8-bit sample per channel.
  func lookupTable() -> [Float] {
    precondition(!doNormalize || (mean.count == 3 && std.count == 3), "mean and std need 3 values")
    var table = [Float](repeating: 0, count: 768)
    for c in 0..<3 {
      for v in 0..<256 {
        var x = doRescale ? Float(Double(v) * rescaleFactor) : Float(v)
        if doNormalize { x = (x - mean[c]) / std[c] }
        table[c * 256 + v] = x
      }
    }
    return table
  }
}

/// Python's `//` for ints.
@inline(__always)
func floorDiv(_ a: Int, _ b: Int) -> Int {
  let q = a / b
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
