import Captioning
import Foundation
import Layers

extension CaptionModel: LoRAHost {
  /// Every dense layer in transformers' module order: per ViT layer query, key, value,
  /// attention.output.dense, intermediate.dense, output.dense; the ViT pooler; per GPT-2 block attn.c_attn,
  /// attn.c_proj, crossattention.c_attn, crossattention.q_attn, crossattention.c_proj, mlp.c_fc,
  /// mlp.c_proj; then `enc_to_dec_proj`. (The tied LM head is the embedding, not a slot.)
  public var linearSlots: [LinearSlot] {
    var slots: [LinearSlot] = []
    for (i, block) in encoder.blocks.enumerated() {
      let a = block.attention, m = block.mlp
      // transformers 5's in-memory names (what its PEFT adapters use) as aliases.
      let v5 = "encoder.layers.\(i)"
      slots += [slot({ a.qProj }, { a.qProj = $0 }, "\(v5).attention.q_proj"), slot({ a.kProj }, { a.kProj = $0 }, "\(v5).attention.k_proj"),
                slot({ a.vProj }, { a.vProj = $0 }, "\(v5).attention.v_proj"), slot({ a.outProj }, { a.outProj = $0 }, "\(v5).attention.o_proj"),
                slot({ m.fc1 }, { m.fc1 = $0 }, "\(v5).mlp.fc1"), slot({ m.fc2 }, { m.fc2 = $0 }, "\(v5).mlp.fc2")]
    }
    let vit = encoder
    slots.append(slot({ vit.pooler }, { vit.pooler = $0 }))  // never run, but PEFT adapts it when targeted (`dense`)
    for block in decoder.blocks {
      let a = block.attention, m = block.mlp
      slots += [slot({ a.cAttn }, { a.cAttn = $0 }), slot({ a.cProj }, { a.cProj = $0 })]
      if let x = block.crossAttention {
        slots.append(slot({ x.cAttn }, { x.cAttn = $0 }))
        if x.qAttn != nil { slots.append(slot({ x.qAttn! }, { x.qAttn = $0 })) }
        slots.append(slot({ x.cProj }, { x.cProj = $0 }))
      }
      slots += [slot({ m.fc1 }, { m.fc1 = $0 }), slot({ m.fc2 }, { m.fc2 = $0 })]
    }
    if encoderProjection != nil {
      slots.append(slot({ self.encoderProjection! }, { self.encoderProjection = $0 }))
    }
    return slots
  }

  private func slot(_ read: @escaping () -> LinearLayer, _ write: @escaping (LinearLayer) -> Void, _ alias: String? = nil) -> LinearSlot {
    LinearSlot(name: LinearSlot.moduleName(of: read()) ?? "?", aliases: alias.map { [$0] } ?? [], read: read, write: write)
  }

  public var peftBaseModelClass: (name: String, library: String) {
    ("VisionEncoderDecoderModel", "transformers.models.vision_encoder_decoder.modeling_vision_encoder_decoder")
  }

  /// The checkpoint's tensors: every parameter (the tied LM head as wte).
  public var checkpointParameters: [Parameter] { parameters }

  public func writeConfig(to url: URL) throws { try config.write(to: url) }
}
