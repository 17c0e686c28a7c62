import Foundation
import Tensors

/// Reads ImageFolder layouts into a `ClassificationDataset`, scanning through `ImageFolderDataset`.
enum ClassificationImageFolder {
  static func load(_ root: URL, classNamesFile: URL?) throws -> ClassificationDataset {
    if isUnfinishedSynthOutput(root) {
      throw DatasetError(file: root.appendingPathComponent(SyntheticClassification.markerFile).path,
                         message: "marks an unfinished cliptune synth output (the run stopped before the end); run synth again")
    }
    let trainFolder = root.appendingPathComponent("train")
    guard ImageFolderDataset.isDirectory(trainFolder) else {
      // A plain ImageFolder: every class folder is training data.
      let plain = try ImageFolderDataset(root: root, classNamesFile: classNamesFile)
      return ClassificationDataset(classNames: plain.classNames, train: plain.samples.map(sample), root: root, format: .imageFolder)
    }
    let entries = try ImageFolderDataset.entries(of: root, fail: { DatasetError(file: root.path, message: $0) })
    if let stray = entries.first(where: { ImageFolderDataset.isDirectory($0) && !ClassificationSplits.names.contains($0.lastPathComponent) }) {
      throw DatasetError(file: root.path, message: "has a train/ folder, so it is read as train/, val/ and test/ split folders, "
                         + "but it also holds the folder '\(stray.lastPathComponent)' (move class folders into train/)")
    }

    let train = try ImageFolderDataset(root: trainFolder, classNamesFile: classNamesFile)
    let labels = Dictionary(uniqueKeysWithValues: train.classFolders.enumerated().map { ($1, $0) })
    func split(_ name: String) throws -> [ClassificationSample] {
      let folder = root.appendingPathComponent(name)
      guard ImageFolderDataset.isDirectory(folder) else { return [] }
      var samples: [ClassificationSample] = []
      for c in try ImageFolderDataset.scan(folder) {
        guard let label = labels[c.folder] else {
          throw DatasetError(file: folder.appendingPathComponent(c.folder).path,
                             message: "class folder '\(c.folder)' is not among the classes of \(trainFolder.path)")
        }
        samples += c.images.map { ClassificationSample(image: $0, label: label) }
      }
      return samples
    }
    return ClassificationDataset(classNames: train.classNames, train: train.samples.map(sample),
                                 val: try split("val"), test: try split("test"), root: root, format: .imageFolder)
  }

  /// Whether `root` holds a `synthetic.json` that `SyntheticClassification.write` left unfinished.
  static func isUnfinishedSynthOutput(_ root: URL) -> Bool {
    struct Marker: Decodable {
      struct Synthetic: Decodable { let generator: String; let finished: Bool? }
      let synthetic: Synthetic
    }
    let file = root.appendingPathComponent(SyntheticClassification.markerFile)
    guard let data = try? InputFile.read(file.path, what: "marker file", limit: 1 << 20),
          let marker = try? JSONDecoder().decode(Marker.self, from: data) else { return false }
    return marker.synthetic.generator == SyntheticDataset.generatorName && marker.synthetic.finished == false
  }

  private static func sample(_ s: (image: URL, label: Int)) -> ClassificationSample {
    ClassificationSample(image: s.image, label: s.label)
  }
}
