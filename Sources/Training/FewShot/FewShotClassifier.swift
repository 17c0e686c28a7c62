import Foundation
import CLIP
import Layers
import PEFT
import Tensors

/// What the images of a batch are given as: pixels (through the whole vision tower), or projected
/// features the frozen model computed earlier (a feature cache; only feature modules run).
public enum FewShotImages {
  case pixels(Tensor)              // [B, channels, S, S]
  case projectedFeatures(Tensor)   // [B, projection_dim]

  var count: Int {
    switch self {
    case .pixels(let t), .projectedFeatures(let t): return t.shape[0]
    }
  }
}

/// Where the vision-language head's class embeddings come from. Rows are class-major: the
/// features of class c under template t are row c·T + t.
public enum FewShotClassText {
  /// Projected text features of every (class, template), computed once by the frozen text tower.
  case cached(features: Tensor, templates: Int)
  /// Token ids of every (class, template), encoded at every step (the text tower is adapted).
  case prompts(ids: [[Int]], templates: Int)
  /// CoOp's learned prompt contexts (one prompt per class).
  case learned(PromptContext)
}

/// The head on top of CLIP's image features.
public enum FewShotHead {
  /// logits = exp(logit_scale) · cos(image features, class embeddings), the class embedding of
  /// class c being the mean of its L2-normalised template features (zero-shot's ensemble).
  case visionLanguage(FewShotClassText)
  /// logits = f Wᵀ + b on the (unnormalised) image features: `head.weight` [C, D], `head.bias` [C].
  case vision(Linear)
}

/// A CLIP model with a method applied and a classification head: logits, and one training
/// step's cross-entropy with its gradients landing in every trainable tensor (the method's, the
/// head's). The same object serves every few-shot method.
public final class FewShotClassifier {
  public let model: CLIPModel
  public let head: FewShotHead
  public let classCount: Int

  /// Throws when the class text does not fit (`templates` must divide the rows evenly).
  public init(model: CLIPModel, head: FewShotHead) throws {
    self.model = model
    self.head = head
    switch head {
    case .vision(let linear): classCount = linear.outFeatures
    case .visionLanguage(.cached(let features, let t)):
      guard t > 0, features.rank == 2, features.shape[0] % t == 0, features.shape[0] > 0 else {
        throw TrainingError("class text features \(features.shape) do not split into \(t) templates per class")
      }
      classCount = features.shape[0] / t
    case .visionLanguage(.prompts(let ids, let t)):
      guard t > 0, !ids.isEmpty, ids.count % t == 0 else { throw TrainingError("\(ids.count) prompts do not split into \(t) templates per class") }
      classCount = ids.count / t
    case .visionLanguage(.learned(let context)): classCount = context.classCount
    }
  }

  /// A vision head `head` [classes, dim] initialised as PyTorch's `nn.Linear` (uniform ±1/√dim for
  /// weight and bias) from `rng`.
  public static func linearHead(classes: Int, dim: Int, rng: inout SeededRNG) -> Linear {
    let head = Linear("head", inFeatures: dim, outFeatures: classes)
    let bound = 1 / Float(dim).squareRoot()
    head.weight.value = Tensor(shape: [classes, dim], data: (0..<(classes * dim)).map { _ in rng.uniform(-bound, bound) })
    head.bias!.value = Tensor(shape: [classes], data: (0..<classes).map { _ in rng.uniform(-bound, bound) })
    return head
  }

  /// Logits [B, classes] for a batch (inference: nothing is kept).
  public func logits(_ images: FewShotImages) throws -> Tensor {
    let f = try imageFeatures(images, training: false)
    switch head {
    case .vision(let linear): return linear.forward(f)
    case .visionLanguage(let text):
      return CosineLogits.forward(features: f, classEmbeddings: try classEmbeddings(text, training: false).embeddings,
                                  scale: expf(model.logitScale.value.data[0])).logits
    }
  }

  /// The class embeddings of the vision-language head [classes, D] (each the mean of its
  /// normalised template features), computed once; nil for a vision head. Reuse them across
  /// batches when nothing on the text side trains.
  public func fixedClassEmbeddings() throws -> Tensor? {
    guard case .visionLanguage(let text) = head else { return nil }
    return try classEmbeddings(text, training: false).embeddings
  }

  /// Forward, cross-entropy (mean over the batch) and backward for one batch; gradients are added
  /// into every trainable tensor. Returns the loss and the logits. `classEmbeddings`, when given,
  /// replaces the vision-language head's (for a frozen text side, from `fixedClassEmbeddings`).
  @discardableResult
  public func lossAndGradients(_ images: FewShotImages, labels: [Int], classEmbeddings fixed: Tensor? = nil) throws
    -> (loss: Float, logits: Tensor) {
    guard labels.count == images.count, labels.allSatisfy({ (0..<classCount).contains($0) }) else {
      throw TrainingError("\(labels.count) labels in 0..<\(classCount) needed for a batch of \(images.count) images")
    }
    let f = try imageFeatures(images, training: true)
    let imageTrains = model.imageSideTrains
    switch head {
    case .vision(let linear):
      let z = linear.forward(f, training: true)
      let (loss, dz) = CrossEntropyLoss.lossAndGradient(logits: z, labels: labels)
      if let df = linear.backward(dz, inputGradient: imageTrains) { model.backwardImageFeatures(df) }
      return (loss, z)
    case .visionLanguage(let text):
      let textTrains = fixed == nil && textSideTrains(text)
      let ensemble = try fixed.map { (embeddings: $0, state: nil) } ?? classEmbeddings(text, training: textTrains)
      let fw = CosineLogits.forward(features: f, classEmbeddings: ensemble.embeddings, scale: expf(model.logitScale.value.data[0]))
      let (loss, dz) = CrossEntropyLoss.lossAndGradient(logits: fw.logits, labels: labels)
      let grads = CosineLogits.backward(dz, fw)
      if imageTrains { model.backwardImageFeatures(grads.features) }
      if textTrains, let state = ensemble.state { backwardClassEmbeddings(grads.classEmbeddings, text, state) }
      return (loss, fw.logits)
    }
  }

  private func imageFeatures(_ images: FewShotImages, training: Bool) throws -> Tensor {
    switch images {
    case .pixels(let pixels): return try model.imageFeatures(pixels, training: training)
    case .projectedFeatures(let features):
      guard !(model.vision.hasTrainableParameters || model.visualProjection.hasTrainableParameters) else {
        throw TrainingError("cached image features cannot be used when the vision tower trains")
      }
      guard features.rank == 2, features.shape[1] == model.config.projectionDim else {
        throw TrainingError("cached image features have shape \(features.shape); the model projects to \(model.config.projectionDim)")
      }
      return model.imageFeatures(projected: features, training: training)
    }
  }

  private func textSideTrains(_ text: FewShotClassText) -> Bool {
    if case .learned(let context) = text { return context.ctx.trainable }
    return model.textSideTrains
  }

  /// The template features' normalised rows and norms, kept for the backward of the ensemble.
  struct EnsembleState { let normalized: Tensor; let norms: [Float]; let templates: Int }

  private func classEmbeddings(_ text: FewShotClassText, training: Bool) throws -> (embeddings: Tensor, state: EnsembleState?) {
    let features: Tensor, t: Int
    switch text {
    case .cached(let cached, let templates): features = model.textFeatures(projected: cached, training: training); t = templates
    case .prompts(let ids, let templates): features = try model.textFeatures(ids, training: training); t = templates
    case .learned(let context): features = try context.classFeatures(training: training); t = 1
    }
    let (u, norms) = CosineLogits.normalized(features)
    let d = features.shape[1], classes = features.shape[0] / t
    var mean = Tensor(zeros: [classes, d])
    for c in 0..<classes {
      for j in 0..<t { for k in 0..<d { mean.data[c * d + k] += u.data[(c * t + j) * d + k] } }
      for k in 0..<d { mean.data[c * d + k] /= Float(t) }
    }
    return (mean, EnsembleState(normalized: u, norms: norms, templates: t))
  }

  private func backwardClassEmbeddings(_ dMean: Tensor, _ text: FewShotClassText, _ state: EnsembleState) {
    let t = state.templates, d = dMean.shape[1], classes = dMean.shape[0]
    var du = Tensor(uninitialized: [classes * t, d])
    for c in 0..<classes { for j in 0..<t { for k in 0..<d { du.data[(c * t + j) * d + k] = dMean.data[c * d + k] / Float(t) } } }
    let df = CosineLogits.throughNormalization(du, state.normalized, state.norms)
    let dEmbeddings = model.backwardTextFeatures(df)
    if case .learned(let context) = text, let dEmbeddings { context.backward(dEmbeddings) }
  }
}
