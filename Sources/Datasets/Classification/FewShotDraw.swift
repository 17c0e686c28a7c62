/// The result of `FewShotSampler.draw`.
public struct FewShotDraw: Sendable, Equatable {
  /// Indices into the dataset's `train`, class by class, then in draw order (repeats possible
  /// only when drawn with replacement).
  public var indices: [Int]
  /// What to save in the run folder (`record.write(to:)`).
  public var record: FewShotRecord

  public init(indices: [Int], record: FewShotRecord) {
    self.indices = indices
    self.record = record
  }
}
