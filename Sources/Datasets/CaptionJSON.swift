import Foundation

/// The two JSON caption layouts, told apart by a top-level `annotations` key:
///
/// - Karpathy split (`dataset_flickr30k.json`, `dataset_coco.json`):
///   `{"images": [{"filename", "filepath"?, "split"?, "sentences": [{"raw"}]}]}`;
///   the image path is `filepath/filename` when `filepath` is present (COCO: `val2014/...`).
/// - COCO captions (`captions_val2014.json`):
///   `{"images": [{"id", "file_name"}], "annotations": [{"image_id", "caption"}]}`;
///   ids may be integers or strings.
enum CaptionJSON {
  /// Parses `data` into records in the file's image order.
  static func records(_ data: Data) throws -> [CaptionRecord] {
    let layout: Layout
    do {
      layout = try JSONDecoder().decode(Layout.self, from: data)
    } catch let error as DecodingError {
      throw FormatProblem(DecodingErrorText.describe(error))
    }
    switch layout {
    case .karpathy(let images):
      return images.map { image in
        let path = image.filepath.map { $0.isEmpty ? image.filename : "\($0)/\(image.filename)" } ?? image.filename
        return CaptionRecord(path: path, captions: image.sentences.map(\.raw), split: image.split)
      }
    case .coco(let images, let annotations):
      var index: [ImageID: Int] = [:]
      var records: [CaptionRecord] = []
      for (i, image) in images.enumerated() {
        guard index.updateValue(i, forKey: image.id) == nil else {
          throw FormatProblem("images[\(i)].id \(image.id) appears more than once")
        }
        records.append(CaptionRecord(path: image.file_name, captions: [], split: nil))
      }
      for (a, annotation) in annotations.enumerated() {
        guard let i = index[annotation.image_id] else {
          throw FormatProblem("annotations[\(a)].image_id \(annotation.image_id) matches no entry of images")
        }
        records[i].captions.append(annotation.caption)
      }
      return records
    }
  }

  private enum Layout: Decodable {
    case karpathy([KarpathyImage])
    case coco([COCOImage], [COCOAnnotation])

    enum Key: String, CodingKey { case images, annotations }

    init(from decoder: Decoder) throws {
      let c = try decoder.container(keyedBy: Key.self)
      guard c.contains(.images) else {
        throw FormatProblem("no top-level 'images': expected a Karpathy split JSON (images[].filename, images[].sentences[].raw) or COCO captions (images[] + annotations[])")
      }
      if c.contains(.annotations) {
        self = .coco(try c.decode([COCOImage].self, forKey: .images), try c.decode([COCOAnnotation].self, forKey: .annotations))
      } else {
        self = .karpathy(try c.decode([KarpathyImage].self, forKey: .images))
      }
    }
  }

  private struct KarpathyImage: Decodable {
    struct Sentence: Decodable { let raw: String }
    let filename: String
    let filepath: String?
    let split: String?
    let sentences: [Sentence]
  }

  // Field names are spelled as in the file.
  private struct COCOImage: Decodable {
    let id: ImageID
    let file_name: String
  }

  private struct COCOAnnotation: Decodable {
    let image_id: ImageID
    let caption: String
  }

  /// A COCO image id: an integer in the official files, a string in some derived ones.
  private enum ImageID: Hashable, Decodable, CustomStringConvertible {
    case int(Int)
    case string(String)

    init(from decoder: Decoder) throws {
      let c = try decoder.singleValueContainer()
      if let i = try? c.decode(Int.self) {
        self = .int(i)
      } else if let s = try? c.decode(String.self) {
        self = .string(s)
      } else {
        throw DecodingError.typeMismatch(Int.self, .init(codingPath: decoder.codingPath, debugDescription: "id is neither an integer nor a string"))
      }
    }

    var description: String {
      switch self {
      case .int(let i): return String(i)
      case .string(let s): return "'\(s)'"
      }
    }
  }
}
