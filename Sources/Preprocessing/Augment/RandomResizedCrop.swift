import Foundation
import Tensors

/// torchvision's `RandomResizedCrop`: a random rectangle of the image, of random area and aspect
/// ratio, resized to a fixed output size.
///
/// The rectangle follows `RandomResizedCrop.get_params` step for step: up to 10 attempts, each
/// drawing an area fraction uniformly in `scale` and an aspect ratio (width / height)
/// log-uniformly in `ratio`, giving `w = round(sqrt(area · ratio))`, `h = round(sqrt(area / ratio))`
/// (Python's round-half-to-even); the first attempt that fits the image takes a uniform top row in
/// `0...H-h` and left column in `0...W-w`. When no attempt fits, the fallback is a centred crop of
/// the whole image, narrowed to the nearest aspect ratio inside `ratio`. Draws come from a
/// ``SeededRNG``, not torch's generator, so the algorithm matches torchvision but the random stream
/// does not.
///
/// The crop is then resized with the Pillow-exact resize (``RGBImage/resized(width:height:filter:)``),
/// bicubic by default: open_clip's training transform is
/// `RandomResizedCrop(image_size, scale=aug_cfg.scale, interpolation=InterpolationMode.BICUBIC)` on
/// PIL images, which crops (`Image.crop`) and then calls `Image.resize(size, BICUBIC)`, exactly what
/// this does. (open_clip's default `scale` is (0.9, 1.0); torchvision's is (0.08, 1.0).)
public struct RandomResizedCrop: Sendable, Equatable {
  /// torchvision's number of attempts before the centred fallback.
  public static let maxAttempts = 10
  /// torchvision's default area range.
  public static let defaultScale: ClosedRange<Double> = 0.08...1.0
  /// torchvision's default aspect-ratio range (3/4 to 4/3).
  public static let defaultRatio: ClosedRange<Double> = (3.0 / 4.0)...(4.0 / 3.0)

  /// Output rows.
  public var height: Int
  /// Output columns.
  public var width: Int
  /// Range of the crop's area as a fraction of the image's area.
  public var scale: ClosedRange<Double>
  /// Range of the crop's aspect ratio (width / height), sampled log-uniformly.
  public var ratio: ClosedRange<Double>
  /// Resampling filter for the resize (bicubic, as open_clip uses).
  public var filter: ResampleFilter

  /// A crop resized to `height × width`.
  public init(height: Int, width: Int, scale: ClosedRange<Double> = RandomResizedCrop.defaultScale,
              ratio: ClosedRange<Double> = RandomResizedCrop.defaultRatio, filter: ResampleFilter = .bicubic) {
    precondition(height > 0 && width > 0, "output size must be positive, got \(width)×\(height)")
    precondition(scale.lowerBound >= 0, "scale must be non-negative, got \(scale)")
    precondition(ratio.lowerBound > 0, "ratio must be positive, got \(ratio)")
    self.height = height
    self.width = width
    self.scale = scale
    self.ratio = ratio
    self.filter = filter
  }

  /// A crop resized to `size × size`.
  public init(size: Int, scale: ClosedRange<Double> = RandomResizedCrop.defaultScale,
              ratio: ClosedRange<Double> = RandomResizedCrop.defaultRatio, filter: ResampleFilter = .bicubic) {
    self.init(height: size, width: size, scale: scale, ratio: ratio, filter: filter)
  }

  /// The crop rectangle for a `width × height` image (`get_params`).
  public func parameters(width imageWidth: Int, height imageHeight: Int, rng: inout SeededRNG) -> CropBox {
    Self.parameters(width: imageWidth, height: imageHeight, scale: scale, ratio: ratio, rng: &rng)
  }

  /// torchvision's `RandomResizedCrop.get_params(img, scale, ratio)` for a `width × height` image,
  /// drawing from `rng` in torchvision's order (area, log-ratio, then top, then left).
  public static func parameters(width imageWidth: Int, height imageHeight: Int, scale: ClosedRange<Double>,
                                ratio: ClosedRange<Double>, rng: inout SeededRNG) -> CropBox {
    precondition(imageWidth > 0 && imageHeight > 0, "cannot crop an empty \(imageWidth)×\(imageHeight) image")
    let area = Double(imageWidth * imageHeight)
    let logLow = log(ratio.lowerBound), logHigh = log(ratio.upperBound)
    for _ in 0..<maxAttempts {
      let targetArea = area * RandomDraw.uniform(scale.lowerBound, scale.upperBound, &rng)
      let aspect = exp(RandomDraw.uniform(logLow, logHigh, &rng))
      let w = pythonRound((targetArea * aspect).squareRoot())
      let h = pythonRound((targetArea / aspect).squareRoot())
      if 0 < w && w <= imageWidth && 0 < h && h <= imageHeight {
        let top = RandomDraw.integer(below: imageHeight - h + 1, &rng)
        let left = RandomDraw.integer(below: imageWidth - w + 1, &rng)
        return CropBox(top: top, left: left, height: h, width: w)
      }
    }
    return fallback(width: imageWidth, height: imageHeight, ratio: ratio)
  }

  /// torchvision's fallback: the whole image, narrowed about its centre to the aspect-ratio range.
  /// (torchvision can return an empty side for ratios far from 1 on tiny images; we keep ≥ 1.)
  public static func fallback(width imageWidth: Int, height imageHeight: Int, ratio: ClosedRange<Double>) -> CropBox {
    let inRatio = Double(imageWidth) / Double(imageHeight)
    var w = imageWidth, h = imageHeight
    if inRatio < ratio.lowerBound {
      h = min(imageHeight, max(1, pythonRound(Double(w) / ratio.lowerBound)))
    } else if inRatio > ratio.upperBound {
      w = min(imageWidth, max(1, pythonRound(Double(h) * ratio.upperBound)))
    }
    return CropBox(top: floorDiv(imageHeight - h, 2), left: floorDiv(imageWidth - w, 2), height: h, width: w)
  }

  /// A random crop of `image` resized to `height × width` (`RandomResizedCrop.forward`).
  public func callAsFunction(_ image: RGBImage, rng: inout SeededRNG) -> RGBImage {
    apply(to: image, box: parameters(width: image.width, height: image.height, rng: &rng))
  }

  /// Crops `box` out of `image` and resizes it to `height × width` (torchvision's `F.resized_crop`
  /// on a PIL image: `img.crop(box).resize((width, height), filter)`). The resize sees only the
  /// cropped pixels, so pixels outside the box never leak in through the filter's support.
  public func apply(to image: RGBImage, box: CropBox) -> RGBImage {
    precondition(box.fits(width: image.width, height: image.height),
                 "crop \(box) outside the \(image.width)×\(image.height) image")
    let whole = box.left == 0 && box.top == 0 && box.width == image.width && box.height == image.height
    let cropped = whole ? image : image.cropped(x: box.left, y: box.top, width: box.width, height: box.height)
    return cropped.resized(width: width, height: height, filter: filter)
  }
}

/// Python 3's `int(round(x))` for non-negative finite x: round half to even.
@inline(__always)
func pythonRound(_ x: Double) -> Int {
  guard x.isFinite else { return x > 0 ? Int.max : 0 }
  return Int(x.rounded(.toNearestOrEven))
}
