/// Where a ``TrainingBatches`` stream is: the batch `batch` (0-based) of epoch `epoch` (0-based).
/// Save it in a checkpoint and set it back to resume the data stream exactly.
public struct TrainingBatchPosition: Sendable, Equatable, Hashable, Comparable, Codable, CustomStringConvertible {
  /// Epoch, from 0.
  public var epoch: Int
  /// Batch within the epoch, from 0.
  public var batch: Int

  public init(epoch: Int, batch: Int) {
    self.epoch = epoch
    self.batch = batch
  }

  /// Epoch 0, batch 0.
  public static let start = TrainingBatchPosition(epoch: 0, batch: 0)

  public static func < (a: TrainingBatchPosition, b: TrainingBatchPosition) -> Bool {
    (a.epoch, a.batch) < (b.epoch, b.batch)
  }

  /// `"epoch E batch B"`.
  public var description: String { "epoch \(epoch) batch \(batch)" }
}
