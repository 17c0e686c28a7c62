import Foundation
import Layers

/// Parameter counts as PEFT's `get_nb_trainable_parameters` computes them (every element of every
/// parameter, base and adapter alike), printed like `print_trainable_parameters`.
public struct TrainableSummary: Sendable, Equatable, CustomStringConvertible {
  /// Elements of parameters that train.
  public let trainable: Int
  /// Elements of all parameters.
  public let total: Int

  public init(trainable: Int, total: Int) {
    self.trainable = trainable
    self.total = total
  }

  /// Counts `parameters` (each once).
  public init(_ parameters: [Parameter]) {
    var seen = Set<ObjectIdentifier>(), trainable = 0, total = 0
    for p in parameters where seen.insert(ObjectIdentifier(p)).inserted {
      total += p.value.count
      if p.trainable { trainable += p.value.count }
    }
    self.init(trainable: trainable, total: total)
  }

  /// 100 · trainable / total (0 for an empty model).
  public var percent: Double { total == 0 ? 0 : 100 * Double(trainable) / Double(total) }

  /// `trainable params: 4,423,680 || all params: 155,700,993 || trainable%: 2.8411`: Python's
  /// `{:,d}` grouping and `{:.4f}` (correctly rounded, as C's printf is).
  public var description: String {
    "trainable params: \(Self.grouped(trainable)) || all params: \(Self.grouped(total)) || trainable%: \(String(format: "%.4f", percent))"
  }

  /// 1234567 → "1,234,567".
  static func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (k, ch) in digits.enumerated() {
      if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
      out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
  }
}
