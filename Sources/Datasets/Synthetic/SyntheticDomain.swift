/// The look and vocabulary of a synthetic captioned-shapes dataset. Both domains pose the same
/// task (say which shapes of which colours are where), but `shifted` uses colours, shapes and
/// backgrounds that `base` never shows, so a model trained on `base` still has something to learn,
/// while sharing enough (the base colours and shapes, positions, counts, relations) for that model
/// to do well above chance before it adapts.
public enum SyntheticDomain: String, Sendable, CaseIterable, Equatable {
  /// Red, green, blue and yellow circles, squares and triangles, filled, on plain dark backgrounds.
  case base
  /// Keeps the base colours and shapes and adds purple and orange, stars, hexagons and rings,
  /// outlines, and gradient, striped, checkered or noisy backgrounds.
  case shifted

  /// The colours objects may have, with their names as used in captions.
  public var colours: [SyntheticColour] {
    switch self {
    case .base: return [.red, .green, .blue, .yellow]
    case .shifted: return [.red, .green, .blue, .yellow, .purple, .orange]
    }
  }

  /// The shapes objects may have.
  public var shapes: [SyntheticShape] {
    switch self {
    case .base: return [.circle, .square, .triangle]
    case .shifted: return [.circle, .square, .triangle, .star, .hexagon, .ring]
    }
  }

  /// A number mixed into every per-image seed, so the domains draw different scenes.
  var seedSalt: UInt64 { self == .base ? 0xBA5E : 0x5_41F7 }
}

/// A named object colour.
public struct SyntheticColour: Sendable, Equatable, Hashable {
  /// The caption word (`"red"`).
  public let name: String
  /// The nominal sRGB value; each object jitters it a little.
  public let rgb: (UInt8, UInt8, UInt8)

  public static func == (a: Self, b: Self) -> Bool { a.name == b.name }
  public func hash(into hasher: inout Hasher) { hasher.combine(name) }

  public static let red = SyntheticColour(name: "red", rgb: (220, 40, 40))
  public static let green = SyntheticColour(name: "green", rgb: (40, 190, 60))
  public static let blue = SyntheticColour(name: "blue", rgb: (50, 80, 230))
  public static let yellow = SyntheticColour(name: "yellow", rgb: (235, 215, 40))
  public static let purple = SyntheticColour(name: "purple", rgb: (140, 50, 200))
  public static let orange = SyntheticColour(name: "orange", rgb: (245, 140, 20))
}

/// An object shape. `rawValue` is the caption noun.
public enum SyntheticShape: String, Sendable, CaseIterable, Equatable {
  case circle, square, triangle, star, hexagon, ring

  /// The plural caption noun.
  public var plural: String { rawValue + "s" }
}
