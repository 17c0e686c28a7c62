// The PEFT module: LoRA and other parameter-efficient methods. See docs/architecture.md.
