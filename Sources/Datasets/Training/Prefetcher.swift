import Foundation

/// A background producer thread that keeps up to `depth` finished batches ahead of the consumer.
///
/// The thread holds only this object (never the ``TrainingBatches`` that owns it), so dropping the
/// owner runs its `deinit`, which calls ``stop()``: the producer notices within one image and
/// exits, and `stop()` returns once it has. Batches are made in position order; a result that was
/// being made for an outdated position (after the consumer moved) is discarded.
final class Prefetcher: @unchecked Sendable {
  private typealias Made = (position: TrainingBatchPosition, result: Result<TrainingBatch, Error>)

  private let condition = NSCondition()
  private let depth: Int
  private let build: (TrainingBatchPosition, () -> Bool) throws -> TrainingBatch
  private let advance: (TrainingBatchPosition) -> TrainingBatchPosition

  // Guarded by `condition`.
  private var ready: [Made] = []
  private var nextToMake: TrainingBatchPosition
  /// Bumped whenever the consumer moves, so in-flight work for the old position is dropped.
  private var generation = 0
  /// Set after a failed batch: the producer waits until the consumer asks again or moves.
  private var paused = false
  private var stopping = false
  private var threadRunning = false

  init(depth: Int, startingAt position: TrainingBatchPosition,
       build: @escaping (TrainingBatchPosition, () -> Bool) throws -> TrainingBatch,
       advance: @escaping (TrainingBatchPosition) -> TrainingBatchPosition) {
    precondition(depth > 0)
    self.depth = depth
    self.build = build
    self.advance = advance
    nextToMake = position
  }

  /// Starts the producer thread if it is not running.
  private func startIfNeeded() {  // caller holds the lock
    guard !threadRunning, !stopping else { return }
    threadRunning = true
    let thread = Thread { [self] in run() }
    thread.name = "cliptune.training-batches"
    thread.start()
  }

  private func run() {
    condition.lock()
    while true {
      while !stopping && (paused || ready.count >= depth) { condition.wait() }
      if stopping { break }
      let position = nextToMake, myGeneration = generation
      condition.unlock()
      let result = Result { try build(position) { [self] in isStale(myGeneration) } }
      condition.lock()
      if stopping { break }
      guard myGeneration == generation else { continue }  // the consumer moved meanwhile
      ready.append((position, result))
      if case .failure = result { paused = true } else { nextToMake = advance(position) }
      condition.broadcast()
    }
    threadRunning = false
    condition.broadcast()
    condition.unlock()
  }

  private func isStale(_ myGeneration: Int) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    return stopping || myGeneration != generation
  }

  /// The batch at `position` (the consumer's current position), waiting for the producer if it
  /// is not ready yet. A failed batch throws; asking again retries it.
  func take(_ position: TrainingBatchPosition) throws -> TrainingBatch {
    condition.lock()
    defer { condition.unlock() }
    if ready.first?.position != position && nextToMake != position {
      restart(at: position)
    }
    if paused && ready.isEmpty { paused = false }
    startIfNeeded()
    condition.broadcast()
    while ready.isEmpty && threadRunning { condition.wait() }
    guard !ready.isEmpty else { throw CancellationError() }  // stopped
    let made = ready.removeFirst()
    condition.broadcast()  // room for the producer
    precondition(made.position == position, "prefetched \(made.position), expected \(position)")
    switch made.result {
    case .success(let batch):
      return batch
    case .failure(let error):
      restart(at: position)
      paused = true  // retry only when asked again
      throw error
    }
  }

  /// Waits until `count` finished batches are ready ahead of the consumer, the producer has
  /// stopped, or `timeout` seconds pass; returns how many are ready (what prefetching achieved,
  /// observed without timing anything).
  func waitForReady(_ count: Int, timeout: Double) -> Int {
    condition.lock()
    defer { condition.unlock() }
    let deadline = Date(timeIntervalSinceNow: timeout)
    while ready.count < count && threadRunning && !paused {
      if !condition.wait(until: deadline) { break }
    }
    return ready.count
  }

  /// Forgets prefetched batches; the producer continues from `position`.
  func move(to position: TrainingBatchPosition) {
    condition.lock()
    defer { condition.unlock() }
    restart(at: position)
    condition.broadcast()
  }

  private func restart(at position: TrainingBatchPosition) {  // caller holds the lock
    generation += 1
    ready.removeAll()
    nextToMake = position
    paused = false
  }

  /// Stops the producer and waits for its thread to exit (at most the time of one image).
  func stop() {
    condition.lock()
    stopping = true
    ready.removeAll()
    condition.broadcast()
    while threadRunning { condition.wait() }
    condition.unlock()
  }
}
