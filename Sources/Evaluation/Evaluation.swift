// The Evaluation module. See ../../docs/architecture.md (or shared/docs/architecture.md).
