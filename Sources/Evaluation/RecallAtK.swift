/// Recall at 1, 5 and 10, in percent (0–100). JSON keys: `"R@1"`, `"R@5"`, `"R@10"`.
public struct RecallAtK: Codable, Equatable, Sendable {
  public var r1: Double
  public var r5: Double
  public var r10: Double

  public init(r1: Double, r5: Double, r10: Double) {
    self.r1 = r1
    self.r5 = r5
    self.r10 = r10
  }

  /// The recalls of queries whose first correct answer is at 0-based `ranks` (`Int.max`: none).
  init(ranks: [Int]) {
    func percent(_ k: Int) -> Double {
      ranks.isEmpty ? 0 : 100 * Double(ranks.lazy.filter { $0 < k }.count) / Double(ranks.count)
    }
    self.init(r1: percent(1), r5: percent(5), r10: percent(10))
  }

  enum CodingKeys: String, CodingKey {
    case r1 = "R@1"
    case r5 = "R@5"
    case r10 = "R@10"
  }
}
