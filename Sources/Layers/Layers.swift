// The Layers module. See ../../docs/architecture.md (or shared/docs/architecture.md).
