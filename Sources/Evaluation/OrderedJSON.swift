import Foundation

/// A JSON value whose objects keep their key order when written, so results read in the order
/// the documentation gives (Foundation's encoders do not promise any order).
public indirect enum OrderedJSON: Equatable, Sendable {
  case object([(String, OrderedJSON)])
  case array([OrderedJSON])
  case string(String)
  case number(Double)
  case integer(Int)
  case bool(Bool)
  case null

  public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool { a.text() == b.text() }

  /// Pretty-printed text with two-space indentation.
  public func text(indent: Int = 0) -> String {
    let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
    switch self {
    case .object(let members):
      if members.isEmpty { return "{}" }
      return "{\n" + members.map { "\(pad)\(Self.quote($0.0)): \($0.1.text(indent: indent + 1))" }
        .joined(separator: ",\n") + "\n\(end)}"
    case .array(let items):
      if items.isEmpty { return "[]" }
      return "[\n" + items.map { pad + $0.text(indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
    case .string(let s): return Self.quote(s)
    case .number(let x):
      guard x.isFinite else { return "null" }  // JSON has no NaN/inf
      return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    case .integer(let n): return String(n)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "null"
    }
  }

  static func quote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// A value with a fixed-order JSON rendering.
public protocol OrderedJSONConvertible {
  var orderedJSON: OrderedJSON { get }
}

extension RecallAtK: OrderedJSONConvertible {
  public var orderedJSON: OrderedJSON { .object([("R@1", .number(r1)), ("R@5", .number(r5)), ("R@10", .number(r10))]) }
}

extension RetrievalResult: OrderedJSONConvertible {
  public var orderedJSON: OrderedJSON {
    .object([("image_to_text", imageToText.orderedJSON), ("text_to_image", textToImage.orderedJSON),
             ("mean_cosine", .number(meanCosine)), ("images", .integer(images)), ("texts", .integer(texts))])
  }
}

extension ZeroShotResult: OrderedJSONConvertible {
  public var orderedJSON: OrderedJSON {
    .object([("acc1", .number(acc1)), ("acc5", acc5.map(OrderedJSON.number) ?? .null),
             ("mean_per_class_recall", .number(meanPerClassRecall))])
  }
}
