// The Training module: losses, optimizers, schedules, the trainer. See docs/architecture.md.
