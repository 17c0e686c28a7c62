import Tensors

/// One batch for contrastive training: images and their paired captions, row i of each matching.
public struct TrainingBatch: Sendable, Equatable {
  /// Which batch this is.
  public var position: TrainingBatchPosition
  /// Augmented, normalised images, `[B, 3, S, S]` float32.
  public var pixelValues: Tensor
  /// Token ids per caption, start and end tokens included, truncated to the context length,
  /// unpadded (the model pads to the longest in the batch).
  public var tokenIDs: [[Int]]
  /// For each row, the index of its image in the dataset's `items`.
  public var itemIndices: [Int]
  /// For each row, the index of its caption in that item's `captions`.
  public var captionIndices: [Int]

  public init(position: TrainingBatchPosition, pixelValues: Tensor, tokenIDs: [[Int]],
              itemIndices: [Int], captionIndices: [Int]) {
    self.position = position
    self.pixelValues = pixelValues
    self.tokenIDs = tokenIDs
    self.itemIndices = itemIndices
    self.captionIndices = captionIndices
  }

  /// Rows in the batch (B).
  public var count: Int { itemIndices.count }
}
