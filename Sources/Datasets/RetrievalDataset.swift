import Foundation
import Tensors

/// Images with captions for image–text retrieval (Flickr30k, COCO, or any caption table).
public struct RetrievalDataset: Sendable, Equatable {
  /// The images, in file order, each with its captions.
  public var items: [CaptionedImage]

  public init(items: [CaptionedImage]) {
    self.items = items
  }

  /// Largest caption file read (2 GB; COCO's and Flickr30k's are under 200 MB).
  public static let maxFileBytes = 2_000_000_000

  /// Loads a caption file, chosen by extension:
  ///
  /// - `.json`: a Karpathy split (`dataset_flickr30k.json` / `dataset_coco.json`:
  ///   `images[].filename`, optional `images[].filepath` such as COCO's `val2014`, `.split`,
  ///   `.sentences[].raw`) or COCO captions (`images[]{id, file_name}` +
  ///   `annotations[]{image_id, caption}`; images keep file order, captions annotation order).
  /// - `.csv` / `.tsv`: a table whose header has columns `filepath` and `caption`; rows with the
  ///   same `filepath` are one image with several captions. Quoting follows RFC 4180.
  ///
  /// `split` keeps only images of that Karpathy split; `"train"` also takes `restval` images
  /// (asking for `"restval"` takes only those). Formats without splits ignore it. A split that
  /// selects nothing is an error listing the splits present.
  ///
  /// Relative image paths resolve against `imageRoot` if given, else the caption file's folder,
  /// then its `images/` subfolder (first existing file wins); absolute paths are used as is.
  /// Any missing image is an error giving how many are missing and the first few.
  ///
  /// Throws `DatasetError` naming the file for every malformed input.
  public static func load(_ file: URL, imageRoot: URL? = nil, split: String? = nil) throws -> RetrievalDataset {
    func fail(_ message: String) -> DatasetError { DatasetError(file: file.path, message: message) }
    let data: Data
    do {
      data = try InputFile.read(file.path, what: "caption file", limit: maxFileBytes)
    } catch let error as InputFileError {
      throw DatasetError(file: error.file, message: "cannot read: \(error.message)")
    }
    guard !data.isEmpty else { throw fail("empty file") }

    do {
      var records: [CaptionRecord]
      switch file.pathExtension.lowercased() {
      case "json": records = try CaptionJSON.records(data)
      case "csv": records = try CaptionTable.records([UInt8](data), delimiter: UInt8(ascii: ","))
      case "tsv": records = try CaptionTable.records([UInt8](data), delimiter: UInt8(ascii: "\t"))
      default:
        throw FormatProblem("unsupported file type '.\(file.pathExtension)' (expected .json, .csv or .tsv)")
      }
      guard !records.isEmpty else { throw FormatProblem("lists no images") }
      if let split, records.contains(where: { $0.split != nil }) {
        let all = records
        records = all.filter { $0.split == split || ($0.split == "restval" && split == "train") }
        guard !records.isEmpty else {
          let present = Set(all.compactMap(\.split)).sorted().joined(separator: ", ")
          throw FormatProblem("split '\(split)' selects no image (splits in this file: \(present))")
        }
      }
      let urls = try ImageResolver(captionFile: file, imageRoot: imageRoot).resolve(records.map(\.path))
      return RetrievalDataset(items: zip(records, urls).map { record, url in
        CaptionedImage(image: url, captions: record.captions, split: record.split)
      })
    } catch let problem as FormatProblem {
      throw fail(problem.message)
    }
  }

  /// Throws unless some image has a caption (retrieval needs captions to query with and for):
  /// "split test has 5 images but no captions", naming `file`.
  public func checkHasCaptions(file: URL, split: String?) throws {
    guard !items.contains(where: { !$0.captions.isEmpty }) else { return }
    let which = items.contains(where: { $0.split != nil }) ? split.map { "split \($0)" } ?? "the file" : "the file"
    throw DatasetError(file: file.path, message: "\(which) has \(items.count) image\(items.count == 1 ? "" : "s") but no captions")
  }

  /// Every caption, flattened in item order (captions of item 0 first).
  public var texts: [String] { items.flatMap(\.captions) }

  /// For each entry of `texts`, the index of its image in `items`.
  public var textToImage: [Int] {
    items.enumerated().flatMap { i, item in Array(repeating: i, count: item.captions.count) }
  }
}
