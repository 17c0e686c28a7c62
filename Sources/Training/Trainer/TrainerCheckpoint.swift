import Datasets
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors

/// What a checkpoint's `state.json` holds besides the tensors.
struct TrainerState: Codable {
  var step: Int
  var position: TrainingBatchPosition
  var dropoutRNG: DropoutRNG.State?
  /// Training time up to this checkpoint, across resumes.
  var elapsedSeconds: Double
}

extension Trainer {
  /// Saves trainable weights, optimiser state, data position and RNG state (atomically).
  func saveCheckpoint() throws {
    let state = TrainerState(step: step, position: setup.batches.position, dropoutRNG: setup.adapter?.dropoutRNG.state,
                             elapsedSeconds: elapsedBefore + Date().timeIntervalSince(runStarted))
    let weights = setup.trainable.map { (name: $0.name, tensor: $0.value) }
      + (model.logitScale.trainable && !setup.trainable.contains { $0 === model.logitScale }
         ? [(name: model.logitScale.name, tensor: model.logitScale.value)] : [])
    try checkpoints.save(step: step) { dir in
      try SafeTensorsWriter.write(weights, metadata: ["step": String(step)], to: dir.appendingPathComponent("trainable.safetensors"))
      try setup.optimizer.saveState(to: dir.appendingPathComponent("optimizer.safetensors"))
      try JSONEncoder().encode(state).write(to: dir.appendingPathComponent("state.json"), options: .atomic)
    }
  }

  /// Restores everything `saveCheckpoint` wrote.
  func restore(from folder: URL) throws {
    let stateURL = folder.appendingPathComponent("state.json")
    let state: TrainerState
    do { state = try JSONDecoder().decode(TrainerState.self, from: Data(contentsOf: stateURL)) } catch {
      throw TrainingError(file: stateURL.path, "unreadable checkpoint state: \(error)")
    }
    let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("trainable.safetensors"))
    for p in setup.trainable {
      guard weights.contains(p.name) else {
        throw TrainingError(file: weights.url.path, "checkpoint lacks '\(p.name)'; was it written with other settings?")
      }
      let t = try weights.tensor(p.name)
      guard t.count == p.value.count else {
        throw TrainingError(file: weights.url.path, "'\(p.name)' has shape \(t.shape), the model needs \(p.shape)")
      }
      p.value = t.reshaped(p.shape)
    }
    try setup.optimizer.loadState(from: folder.appendingPathComponent("optimizer.safetensors"))
    try setup.optimizer.validateState(against: setup.trainable)
    if let rng = state.dropoutRNG { setup.adapter?.dropoutRNG.state = rng }
    guard state.position.batch < setup.batches.stepsPerEpoch || state.position.batch == 0 else {
      throw TrainingError(file: stateURL.path, "data position \(state.position) does not fit this data (\(setup.batches.stepsPerEpoch) batches per epoch)")
    }
    setup.batches.position = state.position
    step = state.step
    elapsedBefore = state.elapsedSeconds
  }
}
