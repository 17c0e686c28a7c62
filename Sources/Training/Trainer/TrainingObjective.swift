import Datasets
import Evaluation
import Foundation
import Layers
import PEFT
import Preprocessing

/// What one kind of training plugs into `Trainer`: the model and its loss, what a validation
/// pass measures, and the report's task-specific sections. The trainer owns everything else —
/// the data stream, method (LoRA or full), optimiser, schedule, accumulation, NaN guard,
/// checkpoints and exact resume, metrics log, progress and the final weights — so contrastive
/// retrieval (`ContrastiveObjective`) and captioning (`CaptioningObjective`) share one loop.
protocol TrainingObjective: AnyObject {
  /// The model (LoRA wraps its layers; the final weights are its checkpoint).
  var model: LoRAHost { get }
  /// How the training stream turns captions into ids, and the most ids per caption.
  var tokenizer: any CaptionTokenizing { get }
  var tokenLimit: Int { get }
  /// How the training stream turns images into pixels.
  var preprocessor: ImagePreprocessor { get }
  /// Full fine-tuning: marks which parameters train (`--freeze`).
  func prepareFullFineTuning(_ options: TrainingOptions) throws
  /// Gives the model's own dropout (the captioner's GPT-2 and ViT) the run's stream, which LoRA's
  /// dropout shares and checkpoints save.
  func attachDropout(_ rng: DropoutRNG)
  /// Forward + loss + backward over one step's micro-batches, leaving gradients in the trainable
  /// parameters (`accumulationMode` says how micro-batch losses combine). Returns the step's loss.
  func accumulateGradients(_ micro: [TrainingBatch], options: TrainingOptions, dropoutRNG: DropoutRNG) throws -> Float
  /// Parameters outside the method's trainable set that still change (CLIP's logit scale), saved
  /// in checkpoints beside them.
  var extraCheckpointParameters: [Parameter] { get }
  /// After each optimiser step (clamping, zeroing extra gradients).
  func afterOptimizerStep()
  /// Extra fields of each step's metrics line.
  var stepMetrics: [(String, OrderedJSON)] { get }
  /// Evaluates on `dataset` (the validation split `split`) at `step`; returns the metrics line.
  /// It may keep files of its own in `runFolder` (generated captions).
  func evaluate(_ dataset: RetrievalDataset, split: String, step: Int, options: TrainingOptions, runFolder: URL) throws -> OrderedJSON
  /// Whether a run with a validation split evaluates before its first step even without
  /// `--eval-every` (captioning: the report compares the base model's captions with the final ones).
  var evaluatesBeforeTraining: Bool { get }
  /// One line summarising the latest evaluation, for the console (nil before any).
  var lastEvaluationLine: String? { get }
  /// The loss's name on charts ("contrastive loss", "cross-entropy").
  var lossName: String { get }
  /// The report's task-specific sections after the common ones (settings, loss, learning rate).
  func addReportSections(to report: inout HTMLReport, curves: RunCurves, validation: RetrievalDataset?, runFolder: URL) throws
}
