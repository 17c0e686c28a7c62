import Foundation

/// The Karpathy-layout `dataset.json` of a synthetic dataset, with sorted keys and no dates so
/// equal options give equal bytes. Besides the Karpathy fields (`images[].filepath`, `.filename`,
/// `.imgid`, `.split`, `.sentids`, `.sentences[]{raw, tokens, imgid, sentid}`, `dataset`) it has
/// a `synthetic` object recording the generator and its options.
enum SyntheticDatasetJSON {
  static func encode(captions: [[String]], counts: SyntheticSplitCounts, options: SyntheticDatasetOptions) throws -> Data {
    var images: [Image] = []
    var sentid = 0
    for (i, texts) in captions.enumerated() {
      let split = i < counts.train ? "train" : i < counts.train + counts.val ? "val" : "test"
      var sentences: [Sentence] = []
      for raw in texts {
        sentences.append(Sentence(raw: raw, tokens: tokens(raw), imgid: i, sentid: sentid))
        sentid += 1
      }
      images.append(Image(filepath: "images", filename: SyntheticDataset.fileName(index: i), imgid: i, split: split,
                          sentids: sentences.map(\.sentid), sentences: sentences))
    }
    let file = File(dataset: "cliptune-synth-\(options.domain.rawValue)", images: images,
                    synthetic: Meta(generator: SyntheticDataset.generatorName, domain: options.domain.rawValue,
                                    seed: options.seed, images: options.imageCount, image_size: options.imageSize,
                                    train: counts.train, val: counts.val, test: counts.test))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(file)
    data.append(UInt8(ascii: "\n"))
    return data
  }

  /// Karpathy's tokens: lower-case words without punctuation.
  static func tokens(_ raw: String) -> [String] {
    raw.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
  }

  private struct File: Encodable {
    let dataset: String
    let images: [Image]
    let synthetic: Meta
  }
  private struct Image: Encodable {
    let filepath: String, filename: String, imgid: Int, split: String, sentids: [Int], sentences: [Sentence]
  }
  private struct Sentence: Encodable {
    let raw: String, tokens: [String], imgid: Int, sentid: Int
  }
  // Field names as written in the file.
  private struct Meta: Encodable {
    let generator: String, domain: String, seed: UInt64, images: Int, image_size: Int
    let train: Int, val: Int, test: Int
  }
}
