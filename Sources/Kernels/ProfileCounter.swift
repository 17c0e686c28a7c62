import Foundation

/// The switch and the running totals of one profiler (`GEMMProfile`, `KernelProfile`): off by
/// default, started from zero, stopped returning what was counted, updated under a lock.
final class ProfileCounter<Totals: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private let zero: Totals
  private var totals: Totals
  /// Read without the lock on every call site's fast path (a stale read only misses or adds one count).
  nonisolated(unsafe) var enabled = false

  init(_ zero: Totals) { (self.zero, totals) = (zero, zero) }

  func start() {
    lock.lock(); defer { lock.unlock() }
    totals = zero; enabled = true
  }

  func stop() -> Totals {
    lock.lock(); defer { lock.unlock() }
    enabled = false
    return totals
  }

  func update(_ body: (inout Totals) -> Void) {
    lock.lock(); defer { lock.unlock() }
    body(&totals)
  }
}
