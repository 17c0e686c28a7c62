import CLIP
import Layers
import Tensors

/// CoOp (Zhou et al. 2022): learnable context vectors in the text tower's token-embedding space,
/// the whole of CLIP frozen. Each class's prompt is [SOS] ctx₁…ctx_M [class tokens] "." [EOS] (or
/// the class tokens in the middle or at the front), embedded, then position embeddings, the
/// blocks and pooling at EOS as the text tower does. Generic contexts are shared [M, d]; class-
/// specific ones (`csc`) are [classes, M, d].
///
/// Init as CoOp's code: normal(0, 0.02), or, with `ctxInit`, the token embeddings of that phrase
/// (then M is its token count; with `csc` every class starts from them). Tensor: `ctx`.
///
/// Backward: d ctx_j += Σ_classes dE[c, position of ctx_j in c] (csc: per class).
public final class PromptContext: PEFTMethod {
  public enum ClassTokenPosition: String, Sendable, CaseIterable { case end, middle, front }

  public let ctx: Parameter  // [M, d] or [classes, M, d]
  public let position: ClassTokenPosition
  public let classSpecific: Bool
  /// Frozen token embeddings of each class's prompt, context rows as placeholders: [classes, T, d].
  let fixed: Tensor
  /// Where each context vector sits in each class's sequence: [classes][M].
  let contextPositions: [[Int]]
  /// The end-of-text position of each class's prompt.
  public let pooledAt: [Int]
  let model: CLIPModel

  /// Freezes `model` and builds the prompts. `tokenize` turns a string into the text tower's ids
  /// with start and end tokens (the model's CLIP tokenizer); class names are as given.
  /// `contextLength` (M) is ignored when `ctxInit` is given. Throws for M out of range, no
  /// classes, or prompts longer than the text tower takes.
  public static func apply(to model: CLIPModel, classNames: [String], contextLength: Int, ctxInit: String?,
                           position: ClassTokenPosition, classSpecific: Bool, seed: UInt64,
                           tokenize: (String) throws -> [Int]) throws -> PromptContext {
    guard !classNames.isEmpty else { throw PEFTError("CoOp needs at least one class name") }
    var initIDs: [Int]?
    if let ctxInit {
      let ids = try tokenize(ctxInit.replacingOccurrences(of: "_", with: " "))
      guard ids.count > 2 else { throw PEFTError("--ctx-init '\(ctxInit)' has no tokens") }
      initIDs = Array(ids[1..<(ids.count - 1)])
    }
    let m = initIDs?.count ?? contextLength
    guard (1...64).contains(m) else { throw PEFTError("--n-ctx \(m) is out of range (1 to 64)") }
    let placeholder = initIDs == nil ? Array(repeating: "X", count: m).joined(separator: " ") : ctxInit!
    var sequences: [[Int]] = [], positions: [[Int]] = []
    for name in classNames {
      let ids = try tokenize(placeholder + " " + name.replacingOccurrences(of: "_", with: " ") + ".")
      let nameLength = try tokenize(name.replacingOccurrences(of: "_", with: " ")).count - 2
      guard ids.count >= 3 + m, ids.count <= model.config.text.maxPositionEmbeddings else {
        throw PEFTError("the prompt for class '\(name)' has \(ids.count) tokens; the text tower takes at most \(model.config.text.maxPositionEmbeddings)")
      }
      let sos = ids[0], context = Array(ids[1..<(1 + m)]), classTokens = Array(ids[(1 + m)..<(1 + m + nameLength)])
      let rest = Array(ids[(1 + m + nameLength)...])
      let half = m / 2
      switch position {
      case .end:
        sequences.append([sos] + context + classTokens + rest)
        positions.append(Array(1..<(1 + m)))
      case .middle:
        sequences.append([sos] + context[..<half] + classTokens + context[half...] + rest)
        positions.append(Array(1..<(1 + half)) + Array((1 + half + nameLength)..<(1 + m + nameLength)))
      case .front:
        sequences.append([sos] + classTokens + context + rest)
        positions.append(Array((1 + nameLength)..<(1 + nameLength + m)))
      }
    }
    return PromptContext(model: model, sequences: sequences, positions: positions, contextLength: m, initIDs: initIDs,
                         position: position, classSpecific: classSpecific, seed: seed)
  }

  private init(model: CLIPModel, sequences: [[Int]], positions: [[Int]], contextLength m: Int, initIDs: [Int]?,
               position: ClassTokenPosition, classSpecific: Bool, seed: UInt64) {
    self.model = model
    self.position = position
    self.classSpecific = classSpecific
    contextPositions = positions
    pooledAt = sequences.map { $0.count - 1 }
    let classes = sequences.count, t = sequences.map(\.count).max()!, d = model.config.text.hiddenSize
    let padding = sequences[0].last!  // rows after EOS are never seen by the pooled token (causal)
    let padded = sequences.flatMap { $0 + Array(repeating: padding, count: t - $0.count) }
    fixed = model.text.tokenEmbedding.forward(padded).reshaped([classes, t, d])
    let shape = classSpecific ? [classes, m, d] : [m, d]
    var values: [Float]
    if let initIDs {
      let rows = model.text.tokenEmbedding.forward(initIDs).data  // [M, d]
      values = classSpecific ? Array((0..<classes).map { _ in rows }.joined()) : rows
    } else {
      var rng = SeededRNG(seed: seed)
      values = (0..<shape.reduce(1, *)).map { _ in 0.02 * rng.normal() }
    }
    model.setTrainable(false)
    ctx = Parameter("ctx", Tensor(shape: shape, data: values))
  }

  public var contextLength: Int { contextPositions[0].count }
  public var classCount: Int { contextPositions.count }
  public var methodName: String { "coop" }
  public var namedTensors: [(key: String, parameter: Parameter)] { [("ctx", ctx)] }
  public var dropoutStream: DropoutRNG? { nil }
  public var changesImageTower: Bool { false }
  public var changesTextTower: Bool { true }

  /// The prompts' token embeddings with the current contexts: [classes, T, d].
  public func tokenEmbeddings() -> Tensor {
    var e = fixed
    let t = fixed.shape[1], d = fixed.shape[2], m = contextLength
    ctx.value.data.withUnsafeBufferPointer { cp in
      e.data.withUnsafeMutableBufferPointer { ep in
        for c in 0..<classCount {
          for (j, at) in contextPositions[c].enumerated() {
            let src = cp.baseAddress! + ((classSpecific ? c * m : 0) + j) * d
            (ep.baseAddress! + (c * t + at) * d).update(from: src, count: d)
          }
        }
      }
    }
    return e
  }

  /// The class text features (before normalisation) the prompts give: [classes, projection_dim].
  /// With `training`, `backward` can follow `model.backwardTextFeatures`.
  public func classFeatures(training: Bool) throws -> Tensor {
    try model.textFeatures(tokenEmbeddings: tokenEmbeddings(), pooledAt: pooledAt, training: training,
                           inputGradient: training && ctx.trainable)
  }

  /// dEmbeddings: [classes, T, d], d(loss)/d(tokenEmbeddings()) → adds into the gradient of `ctx`.
  public func backward(_ dEmbeddings: Tensor) {
    guard ctx.trainable else { return }
    let t = dEmbeddings.shape[1], d = dEmbeddings.shape[2], m = contextLength
    dEmbeddings.data.withUnsafeBufferPointer { gp in
      ctx.accumulateGradient { g in
        for c in 0..<classCount {
          for (j, at) in contextPositions[c].enumerated() {
            let dst = g + ((classSpecific ? c * m : 0) + j) * d, src = gp.baseAddress! + (c * t + at) * d
            for k in 0..<d { dst[k] += src[k] }
          }
        }
      }
    }
  }
}
