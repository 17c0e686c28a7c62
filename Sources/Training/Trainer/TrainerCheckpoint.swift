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
    let state = TrainerState(step: step, position: setup.batches.position, dropoutRNG: setup.dropoutRNG.state,
                             elapsedSeconds: elapsedBefore + Date().timeIntervalSince(runStarted))
    let extra = setup.objective.extraCheckpointParameters.filter { p in !setup.trainable.contains { $0 === p } }
    let weights = (setup.trainable + extra).map { (name: $0.name, tensor: $0.value) }
    try checkpoints.save(step: step) { dir in
      try SafeTensorsWriter.write(weights, metadata: ["step": String(step)], to: dir.appendingPathComponent("trainable.safetensors"))
      try setup.optimizer.saveState(to: dir.appendingPathComponent("optimizer.safetensors"))
      try JSONEncoder().encode(state).write(to: dir.appendingPathComponent("state.json"), options: .atomic)
    }
  }

  /// Restores everything `saveCheckpoint` wrote, after checking every field against this run's
  /// settings and tensors: the step (0…total steps), the data position (the one that step
  /// reaches), the elapsed time, the dropout stream, every weight (present, same shape, finite)
  /// and the optimiser state (same kind, every entry shaped like its parameter). Nothing is
  /// applied before everything is checked that can be checked without the optimiser's own parser.
  func restore(from folder: URL) throws {
    let stateURL = folder.appendingPathComponent("state.json")
    func bad(_ message: String) -> TrainingError { TrainingError(file: stateURL.path, message) }
    let state: TrainerState
    do {
      let data = try InputFile.read(stateURL.path, what: "checkpoint state", limit: 1 << 20)
      state = try JSONDecoder().decode(TrainerState.self, from: data)
    } catch let error as InputFileError {
      throw TrainingError(file: error.file, "unreadable checkpoint state: \(error.message)")
    } catch {
      throw bad("unreadable checkpoint state: \(error)")
    }
    guard (0...totalSteps).contains(state.step) else {
      throw bad("step \(state.step) is outside 0...\(totalSteps), the steps of this run")
    }
    let perEpoch = setup.batches.stepsPerEpoch   // micro-batches
    guard state.position.epoch >= 0, (0..<perEpoch).contains(state.position.batch) else {
      throw bad("data position \(state.position) does not fit this data (epochs from 0, \(perEpoch) batches per epoch)")
    }
    // Each optimiser step takes `accumulate` micro-batches; steps ≤ 2²⁴ and accumulate ≤ 2¹⁶ fit in Int.
    let consumed = state.step * options.accumulate
    let expected = TrainingBatchPosition(epoch: consumed / perEpoch, batch: consumed % perEpoch)
    guard state.position == expected else {
      throw bad("data position \(state.position) does not match step \(state.step) (which reaches \(expected))")
    }
    guard state.elapsedSeconds.isFinite, state.elapsedSeconds >= 0 else {
      throw bad("elapsedSeconds \(state.elapsedSeconds) is not a non-negative number")
    }
    if let rng = state.dropoutRNG, rng.counter > UInt64(1) << 62 {
      throw bad("dropout stream counter \(rng.counter) is out of range")
    }

    let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("trainable.safetensors"))
    var restored: [(Parameter, Tensor)] = []
    for p in setup.trainable {
      guard weights.contains(p.name) else {
        throw TrainingError(file: weights.url.path, "checkpoint lacks '\(p.name)'; was it written with other settings?")
      }
      let t = try weights.tensor(p.name)
      guard t.shape == p.shape else {
        throw TrainingError(file: weights.url.path, "'\(p.name)' has shape \(t.shape), the model needs \(p.shape)")
      }
      guard t.data.allSatisfy(\.isFinite) else {
        throw TrainingError(file: weights.url.path, "'\(p.name)' holds NaN or infinite values; resume from an earlier checkpoint")
      }
      restored.append((p, t))
    }
    try setup.optimizer.loadState(from: folder.appendingPathComponent("optimizer.safetensors"))
    do { try setup.optimizer.validateState(against: setup.trainable) } catch let error as TrainingError where error.file.isEmpty {
      throw TrainingError(file: folder.appendingPathComponent("optimizer.safetensors").path, error.message)
    }
    let optimizerFile = folder.appendingPathComponent("optimizer.safetensors").path
    for (name, t) in setup.optimizer.stateTensors() {
      guard t.data.allSatisfy(\.isFinite) else {
        throw TrainingError(file: optimizerFile, "'\(name)' holds NaN or infinite values; resume from an earlier checkpoint")
      }
      // A parameter's own step count never exceeds the run's (each step updates it at most once).
      if name.hasSuffix(".step"), let count = t.data.first, count > Float(state.step) {
        throw TrainingError(file: optimizerFile, "'\(name)' is \(Int(count)), past the checkpoint's step \(state.step)")
      }
    }
    for (p, t) in restored { p.value = t.reshaped(p.shape) }
    if let rng = state.dropoutRNG { setup.dropoutRNG.state = rng }
    setup.batches.position = state.position
    step = state.step
    elapsedBefore = state.elapsedSeconds
  }
}
