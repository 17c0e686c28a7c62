/// A training data stream that cannot be set up (for example, a dataset with fewer samples than
/// one batch while drop-last is on). Image failures during iteration are thrown as the decoder's
/// own `ImageError`, which names the file.
public struct TrainingBatchError: Error, CustomStringConvertible, Sendable, Equatable {
  /// What is wrong.
  public let message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}
