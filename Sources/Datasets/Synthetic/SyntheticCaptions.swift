import Tensors

/// Caption templates: every caption names the colour of each object it mentions, and, by layout,
/// sizes and positions (single object), counts (alike objects) or left/right and above/below
/// relations (two different objects). The phrasing varies over several templates per layout.
enum SyntheticCaptions {
  /// `count` distinct captions for `scene`, chosen from its templates by `rng`.
  static func captions(for scene: SyntheticScene, count: Int = 5, rng: inout SeededRNG) -> [String] {
    var candidates: [String] = []
    for c in templates(scene) where !candidates.contains(c) { candidates.append(c) }
    precondition(candidates.count >= count, "only \(candidates.count) distinct captions")
    // Fisher–Yates with the seeded generator, then the first `count`.
    for i in stride(from: candidates.count - 1, to: 0, by: -1) {
      candidates.swapAt(i, Int(rng.next() % UInt64(i + 1)))
    }
    return Array(candidates.prefix(count))
  }

  /// Every caption the templates make for `scene` (possibly with repeats).
  static func templates(_ scene: SyntheticScene) -> [String] {
    let bg = scene.background.phrase
    switch scene.layout {
    case .single:
      let o = scene.objects[0]
      let (s, c, sh, p) = (o.size.rawValue, o.colour.name, o.shape.rawValue, position(o))
      var out = [
        "\(a(s)) \(s) \(c) \(sh) \(p)",
        "\(a(c)) \(c) \(sh) \(p)",
        "one \(s) \(c) \(sh) \(bg)",
        "a picture of \(a(s)) \(s) \(c) \(sh)",
        "there is \(a(c)) \(c) \(sh) \(p)",
        "\(a(s)) \(s) \(sh) colored \(c), \(p)",
        "a single \(c) \(sh) \(bg)",
      ]
      if let line = o.outline { out.append("\(a(c)) \(c) \(sh) with \(a(shade(line))) \(shade(line)) outline") }
      return out
    case .count:
      let o = scene.objects[0], n = scene.objects.count
      let (s, c, shs) = (o.size.rawValue, o.colour.name, o.shape.plural)
      let word = n == 2 ? "two" : "three"
      return [
        "\(word) \(s) \(c) \(shs)",
        "\(word) \(c) \(shs) \(bg)",
        "there are \(word) \(c) \(shs)",
        "a picture of \(n) \(s) \(c) \(shs)",
        "\(word) \(s) \(shs), \(n == 2 ? "both" : "all") \(c)",
        "a group of \(word) \(c) \(shs)",
        "\(word) \(c) \(shs) scattered around the image",
      ]
    case .relation(let horizontal):
      let x = scene.objects[0], y = scene.objects[1]
      let (ca, na, sa) = (x.colour.name, x.shape.rawValue, x.size.rawValue)
      let (cb, nb, sb) = (y.colour.name, y.shape.rawValue, y.size.rawValue)
      let before = horizontal ? "to the left of" : "above", after = horizontal ? "to the right of" : "below"
      let sides = horizontal ? ("on the left", "on the right") : ("at the top", "at the bottom")
      return [
        "\(a(ca)) \(ca) \(na) \(before) \(a(cb)) \(cb) \(nb)",
        "\(a(cb)) \(cb) \(nb) \(after) \(a(ca)) \(ca) \(na)",
        "\(a(ca)) \(ca) \(na) and \(a(cb)) \(cb) \(nb)",
        "\(a(sa)) \(sa) \(ca) \(na) next to \(a(sb)) \(sb) \(cb) \(nb)",
        "two shapes: \(a(ca)) \(ca) \(na) \(sides.0) and \(a(cb)) \(cb) \(nb) \(sides.1)",
        "\(a(cb)) \(cb) \(nb) with \(a(ca)) \(ca) \(na) \(horizontal ? "on its left" : "above it")",
        "\(a(sa)) \(sa) \(ca) \(na) \(before) \(a(sb)) \(sb) \(cb) \(nb) \(bg)",
      ]
    }
  }

  /// "a" or "an" before `word`.
  static func a(_ word: String) -> String {
    guard let first = word.first else { return "a" }
    return "aeiou".contains(first) ? "an" : "a"
  }

  /// Where an object sits on the 3×3 grid ("in the top left", "at the bottom", "in the center").
  static func position(_ o: SyntheticObject) -> String {
    let column = o.x < 0.36 ? "left" : o.x > 0.64 ? "right" : nil
    let row = o.y < 0.36 ? "top" : o.y > 0.64 ? "bottom" : nil
    switch (row, column) {
    case let (r?, c?): return "in the \(r) \(c)"
    case let (r?, nil): return "at the \(r)"
    case let (nil, c?): return "on the \(c)"
    case (nil, nil): return "in the center"
    }
  }

  private static func shade(_ rgb: (UInt8, UInt8, UInt8)) -> String { rgb.0 > 128 ? "white" : "black" }
}
