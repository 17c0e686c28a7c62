/// What the classes of a synthetic classification task differ in. Class names use the words the
/// synthetic captions use, so a CLIP trained on those captions can classify them zero-shot.
public enum SyntheticFactor: String, Sendable, CaseIterable, Equatable, Codable {
  /// One object; the class is its shape ("circle", "square", "triangle"; the shifted domain adds
  /// "hexagon", "ring", "star").
  case shape
  /// One object; the class is its colour ("blue", "green", "red", "yellow"; shifted adds
  /// "orange", "purple").
  case colour
  /// One, two or three alike objects; the class is the number word ("one", "two", "three": the
  /// captions never count higher).
  case count
  /// One object in a corner cell of the 3×3 grid: "bottom left", "bottom right", "top left",
  /// "top right" (the captions' "in the top left" …).
  case position

  /// The class names in label order: sorted by folder name (the name with `_` for a space) in
  /// code-point order, as an ImageFolder reader numbers them.
  public func classNames(in domain: SyntheticDomain) -> [String] {
    let names: [String]
    switch self {
    case .shape: names = domain.shapes.map(\.rawValue)
    case .colour: names = domain.colours.map(\.name)
    case .count: names = Self.countWords
    case .position: names = ["top left", "top right", "bottom left", "bottom right"]
    }
    return names.sorted { Self.folder($0).unicodeScalars.lexicographicallyPrecedes(Self.folder($1).unicodeScalars) }
  }

  /// The folder of a class: its name with `_` for each space (`top_left`).
  public static func folder(_ className: String) -> String { className.replacingOccurrences(of: " ", with: "_") }

  /// Number words for counts 1, 2, 3.
  static let countWords = ["one", "two", "three"]

  /// Mixed into every per-image seed, so the factors draw different scenes.
  var seedSalt: UInt64 {
    switch self {
    case .shape: return 0x5348_4150_45
    case .colour: return 0x434F_4C4F_5552
    case .count: return 0x434F_554E_54
    case .position: return 0x504F_5349_5449_4F4E
    }
  }
}
