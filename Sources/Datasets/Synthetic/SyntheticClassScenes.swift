import Tensors

/// Scenes for synthetic classification: every other attribute is drawn at random so that only
/// the factor tells the classes apart.
extension SceneSampler {
  /// A scene of class `className` of `factor` in `domain`.
  static func sample(_ domain: SyntheticDomain, factor: SyntheticFactor, className: String,
                     rng: inout SeededRNG) -> SyntheticScene {
    let background = sampleBackground(domain, rng: &rng)
    func size() -> SyntheticObject.Size { rng.uniform() < 0.5 ? .small : .large }
    func single(shape: SyntheticShape, colour: SyntheticColour, x: Float, y: Float, size: SyntheticObject.Size) -> SyntheticScene {
      SyntheticScene(layout: .single, background: background,
                     objects: [object(domain, shape: shape, colour: colour, size: size, x: x, y: y, rng: &rng)])
    }
    switch factor {
    case .shape:
      let shape = domain.shapes.first { $0.rawValue == className }!
      let colour = pick(domain.colours, &rng), s = size()
      return single(shape: shape, colour: colour, x: cell(&rng), y: cell(&rng), size: s)
    case .colour:
      let colour = domain.colours.first { $0.name == className }!
      let shape = pick(domain.shapes, &rng), s = size()
      return single(shape: shape, colour: colour, x: cell(&rng), y: cell(&rng), size: s)
    case .position:
      let shape = pick(domain.shapes, &rng), colour = pick(domain.colours, &rng), s = size()
      let x: Float = (className.hasSuffix("left") ? 0.22 : 0.78) + rng.uniform(-0.04, 0.04)
      let y: Float = (className.hasPrefix("top") ? 0.22 : 0.78) + rng.uniform(-0.04, 0.04)
      return single(shape: shape, colour: colour, x: x, y: y, size: s)
    case .count:
      // Alike objects, sized as the captioned count scenes are; one object anywhere in the middle.
      let n = SyntheticFactor.countWords.firstIndex(of: className)! + 1
      let shape = pick(domain.shapes, &rng), colour = pick(domain.colours, &rng)
      let s: SyntheticObject.Size = n == 3 || rng.uniform() < 0.6 ? .small : .large
      let spots = scatter(n, minDistance: s == .small ? 0.27 : 0.45, rng: &rng)
      let objects = spots.map { object(domain, shape: shape, colour: colour, size: s, x: $0.0, y: $0.1, rng: &rng) }
      return SyntheticScene(layout: n == 1 ? .single : .count, background: background, objects: objects)
    }
  }
}
