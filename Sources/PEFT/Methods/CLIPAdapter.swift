import CLIP
import Layers
import Tensors

/// CLIP-Adapter (Gao et al. 2021): a residual bottleneck adapter after the visual projection
/// (and, with `textAdapter`, after the text projection), the rest of CLIP frozen.
/// f ← α·A(f) + (1 − α)·f with reduction 4 and α = `ratio` (paper default 0.2).
/// Tensors: `adapter.fc1.weight` [d/4, d], `adapter.fc2.weight` [d, d/4], and `text_adapter.*`.
public final class CLIPAdapter: PEFTMethod {
  public let image: ResidualAdapter
  public let text: ResidualAdapter?
  let model: CLIPModel

  /// Freezes `model` and appends the adapter(s) to its feature modules; `seed` draws the init
  /// (image adapter first). Throws for a ratio outside (0, 1] or when feature modules exist.
  public static func apply(to model: CLIPModel, ratio: Double, textAdapter: Bool, seed: UInt64) throws -> CLIPAdapter {
    guard ratio > 0 && ratio <= 1 else { throw PEFTError("--adapter-ratio \(ratio) is out of range (0, 1]") }
    guard model.imageFeatureModules.isEmpty && model.textFeatureModules.isEmpty else {
      throw PEFTError("the model already has feature modules (another adapter)")
    }
    return CLIPAdapter(model: model, ratio: Float(ratio), textAdapter: textAdapter, seed: seed)
  }

  private init(model: CLIPModel, ratio: Float, textAdapter: Bool, seed: UInt64) {
    self.model = model
    var rng = SeededRNG(seed: seed)
    let d = model.config.projectionDim
    model.setTrainable(false)
    image = ResidualAdapter("adapter", dim: d, reduction: 4, ratio: ratio, rng: &rng)
    text = textAdapter ? ResidualAdapter("text_adapter", dim: d, reduction: 4, ratio: ratio, rng: &rng) : nil
    model.imageFeatureModules = [image]
    if let text { model.textFeatureModules = [text] }
  }

  public var methodName: String { "clip-adapter" }
  public var namedTensors: [(key: String, parameter: Parameter)] {
    ([image] + (text.map { [$0] } ?? [])).flatMap(\.parameters).map { ($0.name, $0) }
  }
  public var dropoutStream: DropoutRNG? { nil }
  public var changesImageTower: Bool { false }
  public var changesTextTower: Bool { false }

  /// Takes the adapters out of the model.
  public func remove() {
    model.imageFeatureModules = []
    model.textFeatureModules = []
  }
}
