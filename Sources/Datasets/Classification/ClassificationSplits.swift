/// The splits of a classification dataset, by their folder and CSV names.
enum ClassificationSplits {
  /// In label order of `ClassificationDataset`'s properties: `train`, `val`, `test`.
  static let names = ["train", "val", "test"]
}
