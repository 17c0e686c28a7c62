import Foundation
import Tensors

/// The fields of a Hugging Face `preprocessor_config.json` that CLIP and ViT preprocessing use, as
/// written by transformers (`CLIPImageProcessor` / legacy `CLIPFeatureExtractor`,
/// `ViTImageProcessor` / legacy `ViTFeatureExtractor`). Sizes may be an int, a dict or a
/// `[height, width]` list; means and stds a list or a single number.
struct PreprocessorConfigFile: Decodable {
  var image_processor_type: String?
  var feature_extractor_type: String?
  var do_resize: Bool?
  var size: SizeValue?
  var resample: Int?
  var do_center_crop: Bool?
  var crop_size: SizeValue?
  var do_rescale: Bool?
  var rescale_factor: Double?
  var do_normalize: Bool?
  var image_mean: Numbers?
  var image_std: Numbers?
  var do_convert_rgb: Bool?

  /// `224`, `{"shortest_edge": 224}`, `{"height": 224, "width": 224}` or `[224, 224]`.
  enum SizeValue: Decodable {
    case int(Int)
    case dict([String: Int])
    case list([Int])

    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let v = try? c.decode(Int.self) { self = .int(v); return }
      if let v = try? c.decode([Int].self) { self = .list(v); return }
      let d = try c.decode([String: Int?].self)
      self = .dict(d.compactMapValues { $0 })
    }
  }

  /// A list of numbers, or one number meaning "the same for every channel".
  struct Numbers: Decodable {
    var values: [Double]
    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let v = try? c.decode(Double.self) { values = [v, v, v] } else { values = try c.decode([Double].self) }
    }
  }
}

extension ImagePreprocessor {
  /// Reads a `preprocessor_config.json`; keys it lacks take `CLIPImageProcessor`'s defaults, or
  /// `ViTImageProcessor`'s (``vit(imageSize:)``: 224×224 exact, bilinear, no center crop, mean =
  /// std = 0.5) when `image_processor_type` names a ViT processor or `feature_extractor_type` is
  /// `ViTFeatureExtractor`. As in transformers, an int `size` is the shortest edge for CLIP but
  /// height = width for ViT, and a ViT config crops only when it says `do_center_crop: true` (and
  /// then must give `crop_size`).
  /// Throws ``ImageError`` (kind `.invalidConfig` or `.unreadable`) naming the file.
  public init(configFile: URL) throws {
    let data: Data
    do {
      data = try InputFile.read(configFile.path, what: "preprocessor config", limit: 16 << 20)
    } catch let e as InputFileError {
      throw ImageError(file: configFile.path, kind: .unreadable, detail: e.message)
    }
    try self.init(configData: data, name: configFile.path)
  }

  /// Parses the contents of a `preprocessor_config.json`; `name` identifies it in errors.
  public init(configData: Data, name: String) throws {
    func invalid(_ detail: String) -> ImageError { ImageError(file: name, kind: .invalidConfig, detail: detail) }
    let raw: PreprocessorConfigFile
    do {
      raw = try JSONDecoder().decode(PreprocessorConfigFile.self, from: configData)
    } catch {
      throw invalid("not a valid preprocessor config (\(error))")
    }
    let isViT = Self.vitProcessorTypes.contains(raw.image_processor_type ?? "")
      || raw.feature_extractor_type == "ViTFeatureExtractor"
    self = isViT ? .vit() : ImagePreprocessor()
    if let v = raw.do_resize { doResize = v }
    if let s = raw.size {
      switch s {
      case .int(let n):  // get_size_dict(default_to_square=False) for CLIP, True for ViT
        size = isViT ? .exact(height: n, width: n) : .shortestEdge(n)
      case .list(let l) where l.count == 2: size = .exact(height: l[0], width: l[1])
      case .list(let l): throw invalid("size list must be [height, width], got \(l)")
      case .dict(let d):
        if let n = d["shortest_edge"], d["longest_edge"] == nil {
          size = .shortestEdge(n)
        } else if let h = d["height"], let w = d["width"] {
          size = .exact(height: h, width: w)
        } else {
          throw invalid("unsupported size \(d.sorted { $0.key < $1.key }) (need shortest_edge, or height and width)")
        }
      }
    }
    if let r = raw.resample {
      guard let f = ResampleFilter(rawValue: r) else { throw invalid("unknown resample filter \(r)") }
      resample = f
    }
    if let v = raw.do_center_crop { doCenterCrop = v }
    if let c = raw.crop_size {
      switch c {
      case .int(let n): cropSize = (n, n)
      case .list(let l) where l.count == 2: cropSize = (l[0], l[1])
      case .list(let l): throw invalid("crop_size list must be [height, width], got \(l)")
      case .dict(let d):
        guard let h = d["height"], let w = d["width"] else {
          throw invalid("crop_size needs height and width, got \(d.sorted { $0.key < $1.key })")
        }
        cropSize = (h, w)
      }
    }
    if isViT && doCenterCrop && raw.crop_size == nil {
      throw invalid("do_center_crop is true but crop_size is missing (a ViT processor has no default crop size)")
    }
    if let v = raw.do_rescale { doRescale = v }
    if let v = raw.rescale_factor { rescaleFactor = v }
    if let v = raw.do_normalize { doNormalize = v }
    // numpy: np.array(python_floats, dtype=float32), i.e. Float(Double).
    if let m = raw.image_mean { mean = m.values.map { Float($0) } }
    if let s = raw.image_std { std = s.values.map { Float($0) } }
    if let v = raw.do_convert_rgb { doConvertRGB = v }
    if let problem = validationProblem { throw invalid(problem) }
  }

  /// `image_processor_type` values that select ViT's defaults (the PIL and torchvision backends,
  /// and the name transformers 4 wrote for the fast one).
  static let vitProcessorTypes: Set<String> = ["ViTImageProcessor", "ViTImageProcessorPil", "ViTImageProcessorFast"]

  /// Sizes (`size`, `crop_size`) above this many pixels per side are refused as corrupt.
  public static let maxSide = 8_192

  /// Why this configuration cannot run, or nil.
  var validationProblem: String? {
    let limit = Self.maxSide
    if doResize {
      switch size {
      case .shortestEdge(let n) where n <= 0 || n > limit: return "size must be in 1...\(limit), got \(n)"
      case .exact(let h, let w) where h <= 0 || w <= 0 || h > limit || w > limit:
        return "size must be in 1...\(limit) per side, got \(h)×\(w)"
      default: break
      }
    }
    if doCenterCrop && (cropSize.height <= 0 || cropSize.width <= 0 || cropSize.height > limit || cropSize.width > limit) {
      return "crop_size must be in 1...\(limit) per side, got \(cropSize.height)×\(cropSize.width)"
    }
    if doRescale && !(rescaleFactor.isFinite && rescaleFactor != 0) {
      return "rescale_factor must be a finite non-zero number, got \(rescaleFactor)"
    }
    if doNormalize {
      if mean.count != 3 || std.count != 3 {
        return "image_mean and image_std need 3 values, got \(mean.count) and \(std.count)"
      }
      if let bad = mean.first(where: { !$0.isFinite }) { return "image_mean must hold finite numbers, got \(bad)" }
      if let bad = std.first(where: { !($0.isFinite && $0 > 0) }) {
        return bad == 0 ? "image_std contains 0" : "image_std must hold finite positive numbers, got \(bad)"
      }
    }
    return nil
  }
}
