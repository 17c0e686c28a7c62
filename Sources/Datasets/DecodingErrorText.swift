/// Readable wording for `DecodingError`s: where in the JSON (`images[3].sentences[0].raw`) and what.
enum DecodingErrorText {
  static func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, let context):
      return "\(path(context.codingPath + [key])) is missing"
    case .valueNotFound(_, let context):
      return "\(path(context.codingPath)) is null"
    case .typeMismatch(let type, let context):
      return "\(path(context.codingPath)) is not \(noun(type))"
    case .dataCorrupted(let context):
      return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
    @unknown default:
      return "cannot be decoded (\(error))"
    }
  }

  /// `images[3].sentences[0].raw`; "the top level" for the root.
  static func path(_ keys: [CodingKey]) -> String {
    var out = ""
    for key in keys {
      if let i = key.intValue {
        out += "[\(i)]"
      } else {
        out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
      }
    }
    return out.isEmpty ? "the top level" : out
  }

  private static func noun(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type: return "an integer"
    default:
      let name = "\(type)"
      if name.hasPrefix("Array") { return "an array" }
      if name.hasPrefix("Dictionary") || name.contains("KeyedDecodingContainer") { return "an object" }
      return "a valid \(name)"
    }
  }
}
