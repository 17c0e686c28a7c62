/// One (image, caption) pair of a training epoch, as indices into the dataset.
public struct TrainingSample: Sendable, Equatable, Hashable, Codable {
  /// Index into `RetrievalDataset.items`.
  public var item: Int
  /// Index into that item's `captions`.
  public var caption: Int

  public init(item: Int, caption: Int) {
    self.item = item
    self.caption = caption
  }
}
