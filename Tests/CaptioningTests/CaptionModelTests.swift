import Captioning
import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

/// The whole captioner against transformers' `VisionEncoderDecoderModel`
/// (Scripts/fixtures/make_captioner_fixtures.py): the committed tiny folder loads, the teacher-forced
/// logits, loss and every parameter's gradient (encoder, enc_to_dec_proj, decoder; the tied head's
/// in wte's) match within 1e-5 of their scale; decoder inputs are built as `shift_tokens_right` does.
struct CaptionModelTests {
  static let folder = Fixtures.url("captioner/tiny")

  @Test func teacherForcedForwardAndBackwardMatchTransformers() throws {
    let model = try CaptionModel.load(directory: Self.folder)
    #expect(model.encoderProjection != nil)  // encoder 16 wide, decoder 24
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward.safetensors"))
    let labels = try f.tensor("labels"), b = labels.shape[0], t = labels.shape[1]
    let rows = (0..<b).map { i in (0..<t).map { Int(labels.data[i * t + $0]) } }
    let captions = rows.map { row in Array(row.prefix { $0 != -100 }.dropLast()) }  // without the EOS label
    let eos = try #require(model.config.eosTokenId)
    let targets = try TeacherForcing(captions: captions, start: model.config.decoderStartTokenId!, pad: model.config.padTokenId!,
                                     eos: eos, maxTokens: 100)
    #expect(targets.labels == rows)
    let expectedInputs = try f.tensor("decoder_input_ids").data.map { Int($0) }
    #expect(targets.decoderInputs.flatMap { $0 } == expectedInputs)

    let pixels = try f.tensor("pixel_values")
    let logits = try model.forward(pixels, decoderInputs: targets.decoderInputs)
    if let m = mismatches(logits.data, try f.tensor("logits").data, tolerance: 1e-5, relative: true) { Issue.record("logits: \(m)") }
    model.setTrainable(true)
    let (sum, count) = try model.teacherForcedLoss(pixels, targets, gradientScale: 1 / Float(targets.tokenCount))
    let loss = try f.tensor("loss").data[0]
    #expect(abs(Float(sum / Double(count)) - loss) <= 1e-5 * abs(loss), "loss \(sum / Double(count)) vs \(loss)")
    for p in model.parameters {
      let key = "d." + p.name
      guard f.contains(key) else {
        #expect(p.name.hasPrefix("encoder.pooler."), "\(p.name): no reference gradient")
        #expect(p.grad.map { $0.data.allSatisfy { $0 == 0 } } ?? true, "\(p.name): the pooler does not feed the decoder")
        continue
      }
      guard let g = p.grad else { Issue.record("\(p.name) got no gradient"); continue }
      if p.name.hasSuffix("attention.key.bias") {
        // Exactly zero in exact arithmetic (softmax ignores a shift shared by all keys): both
        // sides are rounding noise, so compare on the scale of the key weight's gradient.
        let scale = try f.tensor(key.replacingOccurrences(of: ".bias", with: ".weight")).data.map(abs).max() ?? 0
        #expect(g.data.allSatisfy { abs($0) <= 1e-5 * scale }, "d\(p.name) is not ~0")
        continue
      }
      if let m = mismatches(g.data, try f.tensor(key).data, tolerance: 1e-5, relative: true) { Issue.record("d\(p.name): \(m)") }
    }
  }

  @Test func frozenEncoderStillGivesTheDecoderItsGradients() throws {
    let model = try CaptionModel.load(directory: Self.folder)
    let f = try SafeTensorsFile(contentsOf: Fixtures.url("captioner/forward.safetensors"))
    model.setTrainable(false)
    model.decoder.setTrainable(true)
    let labels = try f.tensor("labels"), t = labels.shape[1]
    let captions = (0..<labels.shape[0]).map { i in (0..<t).map { Int(labels.data[i * t + $0]) }.prefix { $0 != -100 }.dropLast() }
    let targets = try TeacherForcing(captions: captions.map(Array.init), start: 1196, pad: 1196, eos: 1196, maxTokens: 100)
    _ = try model.teacherForcedLoss(try f.tensor("pixel_values"), targets, gradientScale: 1 / Float(targets.tokenCount))
    for p in model.decoder.parameters {
      guard let g = p.grad else { Issue.record("\(p.name) got no gradient"); continue }
      if let m = mismatches(g.data, try f.tensor("d." + p.name).data, tolerance: 1e-5, relative: true) { Issue.record("d\(p.name): \(m)") }
    }
    #expect(model.encoder.parameters.allSatisfy { $0.grad == nil })
  }

  @Test func teacherForcingPadsWithIgnoredLabelsAndShiftsRight() throws {
    let t = try TeacherForcing(captions: [[5, 6, 7], [8]], start: 0, pad: 9, eos: 2, maxTokens: 10)
    #expect(t.labels == [[5, 6, 7, 2], [8, 2, -100, -100]])
    #expect(t.decoderInputs == [[0, 5, 6, 7], [0, 8, 2, 9]])
    #expect(t.tokenCount == 6)
    let truncated = try TeacherForcing(captions: [[5, 6, 7]], start: 0, pad: 9, eos: 2, maxTokens: 2)
    #expect(truncated.labels == [[5, 6, 2]])
    #expect(throws: CaptioningError.self) { try TeacherForcing(captions: [[5], []], start: 0, pad: 9, eos: 2, maxTokens: 4) }
  }

  @Test func nlpconnectsArchitectureHasItsParameterCount() throws {
    let root: [String: Any] = ["model_type": "vision-encoder-decoder", "encoder": ["model_type": "vit"],
                               "decoder": ["model_type": "gpt2", "add_cross_attention": true]]
    let config = try VisionEncoderDecoderConfig(dictionary: root, file: "config.json")
    #expect(!config.hasEncoderProjection)
    // PEFT's "all params" for r 32 (245,389,056) less the 6,193,152 LoRA parameters.
    #expect(config.parameterCount == 239_195_904)
  }

  @Test func configsThatAreNotCaptionersAreClearErrors() throws {
    func fails(_ root: [String: Any], _ needle: String) {
      do {
        _ = try VisionEncoderDecoderConfig(dictionary: root, file: "/m/config.json")
        Issue.record("accepted a config that should fail (\(needle))")
      } catch {
        let text = "\(error)"
        #expect(text.contains("/m/config.json") && text.contains(needle), "\(text)")
      }
    }
    let vit: [String: Any] = ["model_type": "vit"], gpt2: [String: Any] = ["model_type": "gpt2", "add_cross_attention": true]
    fails(["model_type": "clip", "text_config": [:], "vision_config": [:]], "vision-encoder-decoder")
    fails(["model_type": "vision-encoder-decoder", "encoder": vit], "'decoder'")
    fails(["model_type": "vision-encoder-decoder", "encoder": ["model_type": "swin"], "decoder": gpt2], "encoder.model_type")
    fails(["model_type": "vision-encoder-decoder", "encoder": vit, "decoder": ["model_type": "bert"]], "decoder.model_type")
    fails(["model_type": "vision-encoder-decoder", "encoder": vit, "decoder": ["model_type": "gpt2"]], "add_cross_attention")
    fails(["model_type": "vision-encoder-decoder", "encoder": vit, "decoder": gpt2, "pad_token_id": 60000], "pad_token_id")
    fails(["model_type": "vision-encoder-decoder", "encoder": vit,
           "decoder": ["model_type": "gpt2", "add_cross_attention": true, "n_head": 5]], "divisible")
    fails(["model_type": "vision-encoder-decoder", "encoder": vit,
           "decoder": ["model_type": "gpt2", "add_cross_attention": true, "tie_word_embeddings": false]], "tie_word_embeddings")
  }

  @Test func missingCrossAttentionWeightsAreNamed() throws {
    let dir = Fixtures.temporaryDirectory("no-cross")
    try FileManager.default.copyItem(at: Self.folder.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
    let file = try SafeTensorsFile(contentsOf: Self.folder.appendingPathComponent("model.safetensors"))
    let kept = try file.names.filter { !$0.contains("crossattention") }.map { (name: $0, tensor: try file.tensor($0)) }
    try SafeTensorsWriter.write(kept + [(name: "decoder.transformer.h.0.crossattention.c_attn.weight", tensor: Tensor(zeros: [24, 48]))],
                                metadata: [:], to: dir.appendingPathComponent("model.safetensors"))
    do {
      _ = try CaptionModel.load(directory: dir)
      Issue.record("loaded a checkpoint without cross-attention weights")
    } catch {
      let text = "\(error)"
      #expect(text.contains("model.safetensors") && text.contains("missing") && text.contains("crossattention"), "\(text)")
    }
  }

  @Test func savedConfigReadsBackEqual() throws {
    let config = try VisionEncoderDecoderConfig(contentsOf: Self.folder.appendingPathComponent("config.json"))
    let url = Fixtures.temporaryDirectory("config").appendingPathComponent("config.json")
    try config.write(to: url)
    #expect(try VisionEncoderDecoderConfig(contentsOf: url) == config)
  }
}
