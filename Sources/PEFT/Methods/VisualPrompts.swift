import CLIP
import Foundation
import Layers
import Tensors

/// Visual prompt tuning (VPT, Jia et al. 2022) on a CLIP vision tower, shallow or deep.
///
/// Shallow: N learnable tokens inserted after `pre_layrnorm` as [CLS, prompts, patches] and
/// carried through every block. Deep: the same before block 0, and before every later block a
/// fresh set replaces the previous block's prompt outputs. The whole model is frozen; only the
/// prompts train. Pooling stays on CLS (token 0).
///
/// Init as VPT's code: uniform(−v, v) with v = √(6 / (3·p² + C)), p the patch size, C the width.
/// Tensors: `prompt_embeddings` [1, N, C]; deep also `deep_prompt_embeddings` [L−1, N, C].
public final class VisualPrompts: PEFTMethod {
  public let tokens: Int
  public let deep: Bool
  public let dropout: Float
  public let promptEmbeddings: Parameter
  public let deepPromptEmbeddings: Parameter?
  public let dropoutRNG: DropoutRNG
  let model: CLIPModel

  /// Freezes `model` and inserts the prompts. `seed` draws the init (prompt_embeddings first,
  /// then deep_prompt_embeddings); dropout masks come from `dropoutRNG` (by default a stream
  /// derived from `seed`). Throws for a token count or dropout out of range, or when the vision
  /// tower already has inserted modules.
  public static func apply(to model: CLIPModel, tokens: Int, deep: Bool, dropout: Double, seed: UInt64,
                           dropoutRNG: DropoutRNG? = nil) throws -> VisualPrompts {
    guard (1...1024).contains(tokens) else { throw PEFTError("--prompt-tokens \(tokens) is out of range (1 to 1024)") }
    guard (0..<1).contains(dropout) else { throw PEFTError("--prompt-dropout \(dropout) is out of range [0, 1)") }
    guard model.vision.insertions.isEmpty else { throw PEFTError("the vision tower already has prompts or other inserted modules") }
    guard !deep || model.vision.blocks.count >= 2 else { throw PEFTError("VPT-deep needs at least two vision blocks") }
    return VisualPrompts(model: model, tokens: tokens, deep: deep, dropout: Float(dropout), seed: seed,
                         dropoutRNG: dropoutRNG ?? DropoutRNG(seed: seed ^ 0x5F1D_3C2B_A987_6543))
  }

  private init(model: CLIPModel, tokens: Int, deep: Bool, dropout: Float, seed: UInt64, dropoutRNG: DropoutRNG) {
    self.model = model
    self.tokens = tokens
    self.deep = deep
    self.dropout = dropout
    self.dropoutRNG = dropoutRNG
    let c = model.config.vision.hiddenSize, p = model.config.vision.patchSize, layers = model.vision.blocks.count
    let bound = Float((6.0 / Double(3 * p * p + c)).squareRoot())
    var rng = SeededRNG(seed: seed)
    func uniform(_ shape: [Int]) -> Tensor {
      Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-bound, bound) })
    }
    promptEmbeddings = Parameter("prompt_embeddings", uniform([1, tokens, c]))
    deepPromptEmbeddings = deep ? Parameter("deep_prompt_embeddings", uniform([layers - 1, tokens, c])) : nil
    model.setTrainable(false)
    model.vision.insert(PromptTokens(promptEmbeddings, slice: 0, mode: .insert, dropout: dropout, dropoutRNG: dropoutRNG),
                        beforeBlock: 0)
    if let deepPromptEmbeddings {
      for i in 1..<layers {
        model.vision.insert(PromptTokens(deepPromptEmbeddings, slice: i - 1, mode: .replace, dropout: dropout,
                                         dropoutRNG: dropoutRNG), beforeBlock: i)
      }
    }
  }

  public var methodName: String { deep ? "vpt-deep" : "vpt-shallow" }
  public var namedTensors: [(key: String, parameter: Parameter)] {
    [("prompt_embeddings", promptEmbeddings)] + (deepPromptEmbeddings.map { [("deep_prompt_embeddings", $0)] } ?? [])
  }
  public var dropoutStream: DropoutRNG? { dropoutRNG }
  public var changesImageTower: Bool { true }
  public var changesTextTower: Bool { false }

  /// Takes the prompts out of the vision tower.
  public func remove() { model.vision.removeInsertions() }
}
