import CLIP
import Datasets
import Foundation
import Layers
import PEFT
import Tensors

/// One optimiser step's forward and backward over `accumulate` micro-batches.
extension Trainer {
  /// Runs forward + loss + backward for the micro-batches, leaving gradients in the parameters.
  /// Returns the loss the step optimises.
  func accumulateGradients(_ micro: [TrainingBatch]) throws -> Float {
    let model = setup.pipeline.model
    let scale = model.logitScale
    if micro.count == 1 || setup.options.accumulationMode == .mean {
      // Each micro-batch's own contrastive loss; gradients averaged.
      var total: Float = 0
      let weight = 1 / Float(micro.count)
      for batch in micro {
        let image = try model.imageFeatures(batch.pixelValues, training: true)
        let text = try model.textFeatures(batch.tokenIDs, training: true)
        let r = ContrastiveLoss.lossAndGradients(imageEmbeds: image, textEmbeds: text, logitScale: scale.value.data[0])
        model.backwardImageFeatures(scaled(r.imageEmbedsGradient, weight))
        model.backwardTextFeatures(scaled(r.textEmbedsGradient, weight))
        if scale.trainable { scale.accumulateGradient { $0[0] += r.logitScaleGradient * weight } }
        total += r.loss * weight
      }
      return total
    }
    // Exact: embeddings of every micro-batch first, the loss over all of them, then each
    // micro-batch recomputed with its slice of the gradient. Dropout draws are replayed so the
    // recomputation sees the same masks as the first pass.
    let rng = setup.adapter?.dropoutRNG
    var images: [Tensor] = [], texts: [Tensor] = []
    var states: [(image: DropoutRNG.State?, text: DropoutRNG.State?)] = []
    for batch in micro {
      let imageState = rng?.state
      images.append(try model.imageFeatures(batch.pixelValues, training: true))
      let textState = rng?.state
      texts.append(try model.textFeatures(batch.tokenIDs, training: true))
      states.append((imageState, textState))
    }
    let finalState = rng?.state
    let r = ContrastiveLoss.lossAndGradients(imageEmbeds: Tensor.concatenate(images), textEmbeds: Tensor.concatenate(texts),
                                             logitScale: scale.value.data[0])
    var row = 0
    for (i, batch) in micro.enumerated() {
      let rows = row..<(row + batch.count)
      if let s = states[i].image { rng!.state = s }
      _ = try model.imageFeatures(batch.pixelValues, training: true)
      model.backwardImageFeatures(r.imageEmbedsGradient.rows(rows))
      if let s = states[i].text { rng!.state = s }
      _ = try model.textFeatures(batch.tokenIDs, training: true)
      model.backwardTextFeatures(r.textEmbedsGradient.rows(rows))
      row += batch.count
    }
    if let finalState { rng!.state = finalState }
    if scale.trainable { scale.accumulateGradient { $0[0] += r.logitScaleGradient } }
    return r.loss
  }

  private func scaled(_ t: Tensor, _ s: Float) -> Tensor {
    guard s != 1 else { return t }
    var out = t
    out.scale(by: s)
    return out
  }
}
