import Tensors

/// One drawn object. Coordinates are fractions of the image side (0…1, y down).
public struct SyntheticObject: Sendable, Equatable {
  public enum Size: String, Sendable, Equatable { case small, large }

  public var shape: SyntheticShape
  public var colour: SyntheticColour
  /// The jittered fill colour actually drawn.
  public var fill: (UInt8, UInt8, UInt8)
  public var size: Size
  /// Centre, as fractions of the image side.
  public var x: Float, y: Float
  /// Half the object's extent, as a fraction of the image side.
  public var radius: Float
  /// An outline colour (shifted domain only), or nil for a plain fill.
  public var outline: (UInt8, UInt8, UInt8)?

  public static func == (a: Self, b: Self) -> Bool {
    a.shape == b.shape && a.colour == b.colour && a.size == b.size && a.x == b.x && a.y == b.y
      && a.radius == b.radius && a.fill == b.fill
      && a.outline.map { [$0.0, $0.1, $0.2] } == b.outline.map { [$0.0, $0.1, $0.2] }
  }
}

/// How the background is painted.
public enum SyntheticBackground: Sendable, Equatable {
  /// One flat colour.
  case plain(UInt8, UInt8, UInt8)
  /// A linear blend from `from` to `to`; `vertical` runs top to bottom, else left to right.
  case gradient(from: [UInt8], to: [UInt8], vertical: Bool)
  /// Stripes of two colours, each `period` wide (a fraction of the side).
  case stripes(a: [UInt8], b: [UInt8], period: Float, vertical: Bool)
  /// A checkerboard of two colours, squares `period` wide (fraction of the side).
  case checker(a: [UInt8], b: [UInt8], period: Float)
  /// A base colour with per-pixel noise of amplitude `amount` (a hash of position and `salt`).
  case noise(base: [UInt8], amount: Int, salt: UInt64)

  /// The caption phrase for it ("on a dark background").
  var phrase: String {
    switch self {
    case .plain: return "on a dark background"
    case .gradient: return "on a gradient background"
    case .stripes: return "on a striped background"
    case .checker: return "on a checkered background"
    case .noise: return "on a grainy background"
    }
  }
}

/// What a scene shows, which decides the caption templates.
public enum SyntheticLayout: Sendable, Equatable {
  /// One object.
  case single
  /// Two or three alike objects (same shape, colour and size).
  case count
  /// Two different objects side by side (`horizontal`) or one above the other.
  case relation(horizontal: Bool)
}

/// A sampled scene: background plus objects, in drawing order.
public struct SyntheticScene: Sendable, Equatable {
  public var layout: SyntheticLayout
  public var background: SyntheticBackground
  public var objects: [SyntheticObject]
}

/// Draws scenes for a domain from a seeded RNG.
enum SceneSampler {
  static func sample(_ domain: SyntheticDomain, rng: inout SeededRNG) -> SyntheticScene {
    let background = sampleBackground(domain, rng: &rng)
    let roll = rng.uniform()
    if roll < 0.4 {
      let size: SyntheticObject.Size = rng.uniform() < 0.5 ? .small : .large
      let obj = object(domain, shape: pick(domain.shapes, &rng), colour: pick(domain.colours, &rng), size: size,
                       x: cell(&rng), y: cell(&rng), rng: &rng)
      return SyntheticScene(layout: .single, background: background, objects: [obj])
    } else if roll < 0.7 {
      let n = rng.uniform() < 0.6 ? 2 : 3
      let shape = pick(domain.shapes, &rng), colour = pick(domain.colours, &rng)
      let size: SyntheticObject.Size = n == 3 || rng.uniform() < 0.6 ? .small : .large
      var objects: [SyntheticObject] = []
      let spots = scatter(n, minDistance: size == .small ? 0.27 : 0.45, rng: &rng)
      for (x, y) in spots {
        objects.append(object(domain, shape: shape, colour: colour, size: size, x: x, y: y, rng: &rng))
      }
      return SyntheticScene(layout: .count, background: background, objects: objects)
    } else {
      let horizontal = rng.uniform() < 0.5
      let a = pick(domain.shapes, &rng), ca = pick(domain.colours, &rng)
      var b = pick(domain.shapes, &rng), cb = pick(domain.colours, &rng)
      while b == a && cb == ca { b = pick(domain.shapes, &rng); cb = pick(domain.colours, &rng) }
      // First object left (or top), second right (or bottom); the other axis is free.
      let near = rng.uniform(0.22, 0.32), far = rng.uniform(0.68, 0.78)
      let o1 = rng.uniform(0.25, 0.75), o2 = rng.uniform(0.25, 0.75)
      let sa: SyntheticObject.Size = rng.uniform() < 0.5 ? .small : .large
      let sb: SyntheticObject.Size = rng.uniform() < 0.5 ? .small : .large
      let first = object(domain, shape: a, colour: ca, size: sa, x: horizontal ? near : o1, y: horizontal ? o1 : near, rng: &rng)
      let second = object(domain, shape: b, colour: cb, size: sb, x: horizontal ? far : o2, y: horizontal ? o2 : far, rng: &rng)
      return SyntheticScene(layout: .relation(horizontal: horizontal), background: background, objects: [first, second])
    }
  }

  static func pick<T>(_ items: [T], _ rng: inout SeededRNG) -> T { items[Int(rng.next() % UInt64(items.count))] }

  /// The centre of one of the 3×3 cells, slightly jittered (so positions stay nameable).
  static func cell(_ rng: inout SeededRNG) -> Float {
    let centres: [Float] = [0.22, 0.5, 0.78]
    return pick(centres, &rng) + rng.uniform(-0.04, 0.04)
  }

  /// `n` points in [0.2, 0.8]² at least `minDistance` apart (rejection, with a fixed fallback).
  static func scatter(_ n: Int, minDistance: Float, rng: inout SeededRNG) -> [(Float, Float)] {
    for _ in 0..<200 {
      var points: [(Float, Float)] = []
      for _ in 0..<n { points.append((rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8))) }
      var ok = true
      for i in 0..<n { for j in (i + 1)..<n where j < n {
        let dx = points[i].0 - points[j].0, dy = points[i].1 - points[j].1
        if (dx * dx + dy * dy).squareRoot() < minDistance { ok = false }
      } }
      if ok { return points }
    }
    return Array([(Float(0.22), Float(0.25)), (0.78, 0.5), (0.3, 0.78)].prefix(n))
  }

  static func object(_ domain: SyntheticDomain, shape: SyntheticShape, colour: SyntheticColour,
                             size: SyntheticObject.Size, x: Float, y: Float, rng: inout SeededRNG) -> SyntheticObject {
    func jitter(_ v: UInt8) -> UInt8 { UInt8(clamping: Int(v) + Int(rng.next() % 31) - 15) }
    let fill = (jitter(colour.rgb.0), jitter(colour.rgb.1), jitter(colour.rgb.2))
    let radius = size == .small ? rng.uniform(0.08, 0.11) : rng.uniform(0.15, 0.19)
    var outline: (UInt8, UInt8, UInt8)? = nil
    if domain == .shifted, rng.uniform() < 0.5 {
      outline = rng.uniform() < 0.5 ? (250, 250, 250) : (15, 15, 15)
    }
    return SyntheticObject(shape: shape, colour: colour, fill: fill, size: size, x: x, y: y,
                           radius: radius, outline: outline)
  }

  static func sampleBackground(_ domain: SyntheticDomain, rng: inout SeededRNG) -> SyntheticBackground {
    func muted() -> [UInt8] { [0, 1, 2].map { _ in UInt8(30 + rng.next() % 80) } }
    switch domain {
    case .base:
      // Dark, but of any tint, so a model trained here learns to look past the background colour.
      let c = [0, 1, 2].map { _ in UInt8(8 + rng.next() % 72) }
      return .plain(c[0], c[1], c[2])
    case .shifted:
      switch rng.next() % 4 {
      case 0: return .gradient(from: muted(), to: muted(), vertical: rng.uniform() < 0.5)
      case 1: return .stripes(a: muted(), b: muted(), period: rng.uniform(0.06, 0.14), vertical: rng.uniform() < 0.5)
      case 2: return .checker(a: muted(), b: muted(), period: rng.uniform(0.08, 0.16))
      default: return .noise(base: muted(), amount: Int(rng.next() % 30) + 20, salt: rng.next())
      }
    }
  }
}
