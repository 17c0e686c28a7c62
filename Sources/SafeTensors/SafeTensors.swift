// The SafeTensors module. See ../../docs/architecture.md (or shared/docs/architecture.md).
