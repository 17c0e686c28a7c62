import ArgumentParser
import Training

// Command-line spellings of the training settings are their raw values (lora, adamw, crop-flip, …).
extension TrainingOptions.Method: ExpressibleByArgument {}
extension TrainingOptions.OptimizerKind: ExpressibleByArgument {}
extension TrainingOptions.ScheduleKind: ExpressibleByArgument {}
extension TrainingOptions.CaptionMode: ExpressibleByArgument {}
extension TrainingOptions.Augmentation: ExpressibleByArgument {}
extension TrainingOptions.AccumulationMode: ExpressibleByArgument {}
extension TrainingOptions.Task: ExpressibleByArgument {}
