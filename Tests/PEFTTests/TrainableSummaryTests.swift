import CLIP
import Layers
import PEFT
import Testing

/// Counts and the text of PEFT's `print_trainable_parameters`, checked against PEFT 0.21 output.
struct TrainableSummaryTests {
  /// PEFT 0.21 on transformers' CLIPModel(CLIPConfig()) (ViT-B/32 sizes), r=16, alpha=32, dropout 0.1,
  /// q/k/v/out_proj + fc1/fc2: `trainable params: 4,423,680 || all params: 155,700,993 || trainable%: 2.8411`.
  @Test func vitB32WithRank16MatchesPEFT() throws {
    let model = CLIPModel(.vitB32)  // zero weights: only the counts matter
    let adapter = try LoRA.apply(LoRAConfig(rank: 16, alpha: 32, dropout: 0.1), to: model, seed: 0)
    let summary = adapter.trainableSummary()
    #expect(summary.trainable == 4_423_680)
    #expect(summary.total == 155_700_993)
    #expect(summary.description == "trainable params: 4,423,680 || all params: 155,700,993 || trainable%: 2.8411")
    #expect(adapter.layers.count == 144)  // 12 blocks × 6 layers × 2 towers
    #expect(TrainableSummary(adapter.parameters).trainable == 4_423_680)
  }

  /// PEFT 0.21 on the tiny fixture, r=4 on the six block layers: `trainable params: 8,960 ||
  /// all params: 108,737 || trainable%: 8.2401`.
  @Test func tinyModelMatchesPEFT() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 4, alpha: 8), to: model, seed: 0)
    #expect(adapter.trainableSummary().description == "trainable params: 8,960 || all params: 108,737 || trainable%: 8.2401")
  }

  @Test func applyFreezesEveryBaseParameter() throws {
    let model = try Tiny.model()
    let adapter = try LoRA.apply(LoRAConfig(rank: 2, targetModules: .names(["fc1"]), towers: .text), to: model, seed: 0)
    let lora = Set(adapter.parameters.map(\.name))
    #expect(lora.count == 4)
    #expect(lora.contains("text_model.encoder.layers.1.mlp.fc1.lora_A.weight"))
    #expect(lora.contains("text_model.encoder.layers.1.mlp.fc1.lora_B.weight"))
    for p in model.parameters { #expect(p.trainable == lora.contains(p.name), "\(p.name)") }
    #expect(!model.logitScale.trainable && !model.text.tokenEmbedding.weight.trainable && !model.vision.postLayerNorm.weight.trainable)
  }

  @Test func formatsLikePython() {
    #expect(TrainableSummary(trainable: 0, total: 999).description == "trainable params: 0 || all params: 999 || trainable%: 0.0000")
    #expect(TrainableSummary(trainable: 1, total: 3).description == "trainable params: 1 || all params: 3 || trainable%: 33.3333")
    #expect(TrainableSummary(trainable: 1_000, total: 1_000).description == "trainable params: 1,000 || all params: 1,000 || trainable%: 100.0000")
  }
}
