import Foundation
import Testing
@testable import Tensors

/// `Parallel.forEach` on the shared OpenMP pool: every index exactly once, chunks independent of
/// which thread runs them, nested loops and loops started from several threads at once.
struct ParallelTests {
  /// Counts how often each index was visited (atomically enough: each chunk owns its indices).
  final class Visits: @unchecked Sendable {
    let counts: UnsafeMutablePointer<Int>
    let count: Int
    init(_ count: Int) { self.count = count; counts = .allocate(capacity: count); counts.initialize(repeating: 0, count: count) }
    deinit { counts.deallocate() }
    var all: [Int] { Array(UnsafeBufferPointer(start: counts, count: count)) }
  }

  @Test(arguments: [1, 2, 3, 7, 1000, 4097]) func everyIndexOnce(_ count: Int) {
    let visits = Visits(count)
    Parallel.forEach(count) { range in for i in range { visits.counts[i] += 1 } }
    #expect(visits.all == [Int](repeating: 1, count: count))
  }

  @Test func chunksFollowTheThreadCountOnly() {
    // With T threads and grain 1, a loop over 10 items runs min(T, 10) chunks of ceil(10 / chunks)
    // items, in index order, whichever thread takes which.
    let chunks = min(Parallel.threads, 10), per = (10 + chunks - 1) / chunks
    let seen = UnsafeSendable(UnsafeMutablePointer<Range<Int>?>.allocate(capacity: 10))
    seen.pointer.initialize(repeating: nil, count: 10)
    defer { seen.pointer.deallocate() }
    Parallel.forEach(10) { range in seen.pointer[range.lowerBound / per] = range }
    let expected = (0..<((10 + per - 1) / per)).map { c in (c * per)..<min(10, (c + 1) * per) }
    #expect(Array(UnsafeBufferPointer(start: seen.pointer, count: expected.count)) == expected)
  }

  @Test func nestedLoopsAndLoopsFromManyThreads() {
    let visits = Visits(64 * 64)
    DispatchQueue.concurrentPerform(iterations: 4) { outer in
      Parallel.forEach(16) { rows in
        for r in rows {
          Parallel.forEach(64) { cols in for c in cols { visits.counts[(outer * 16 + r) * 64 + c] += 1 } }
        }
      }
    }
    #expect(visits.all == [Int](repeating: 1, count: 64 * 64))
  }
}
