import CLIP
import Foundation
import Layers
import PEFT
import SafeTensors
import Tensors
import TestSupport
import Testing
import Training

/// Every few-shot method against its PyTorch version on transformers' CLIPModel
/// (Scripts/fixtures/make_fewshot_fixtures.py): from the same initial tensors, on 16 images in 4
/// classes, the logits (≤ 1e-5 of the largest logit), the gradient of every trainable tensor
/// (≤ 3e-5 of the tensor's largest gradient) and the loss of 10 full-batch AdamW steps (≤ 1e-4
/// relative per step). Measured: logits ≤ 1.9e-6, gradients ≤ 4.6e-6, losses ≤ 2.3e-7. Central finite
/// differences check the same gradients independently of PyTorch.
struct FewShotMethodParityTests {
  static let root = Fixtures.url("fewshot/methods")
  static let model = Fixtures.url("clip/tiny")

  struct Case: CustomStringConvertible, Sendable {
    let name: String
    var description: String { name }
  }

  static let cases = ["clip_adapter", "clip_adapter_vision_head", "vpt_shallow", "vpt_deep", "coop", "coop_csc_middle",
                      "coop_init_front", "lora"].map(Case.init)

  struct Setup {
    let classifier: FewShotClassifier
    let trainable: [(key: String, parameter: Parameter)]
    let pixels: Tensor
    let labels: [Int]
    let expected: [String: Any]
  }

  static func setup(_ name: String) throws -> Setup {
    let folder = root.appendingPathComponent(name)
    let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("expected.json"))) as! [String: Any]
    let labelsJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("labels.json"))) as! [String: Any]
    let classes = labelsJSON["classes"] as! [String], labels = labelsJSON["labels"] as! [Int]
    let pipeline = try CLIPPipeline.load(modelDirectory: model)
    let clip = pipeline.model
    let data = Fixtures.url("train_parity/data")
    let images = try (JSONSerialization.jsonObject(with: Data(contentsOf: data.appendingPathComponent("dataset.json"))) as! [String: Any])["images"] as! [[String: Any]]
    let pixels = try pipeline.pixelValues(images.map { data.appendingPathComponent("images/\($0["filename"] as! String)") })
    let template = expected["template"] as! String
    let prompts = try pipeline.tokenize(classes.map { template.replacingOccurrences(of: "{}", with: $0) })

    let method: PEFTMethod
    var head: FewShotHead
    var headTensors: [(key: String, parameter: Parameter)] = []
    let fixedText = { () throws -> FewShotHead in .visionLanguage(.cached(features: try clip.textFeatures(prompts), templates: 1)) }
    switch name {
    case "clip_adapter", "clip_adapter_vision_head":
      method = try CLIPAdapter.apply(to: clip, ratio: 0.2, textAdapter: false, seed: 0)
      head = try fixedText()
      if name.hasSuffix("vision_head") {
        var rng = SeededRNG(seed: 0)
        let linear = FewShotClassifier.linearHead(classes: classes.count, dim: clip.config.projectionDim, rng: &rng)
        head = .vision(linear)
        headTensors = [("head.weight", linear.weight), ("head.bias", linear.bias!)]
      }
    case "vpt_shallow", "vpt_deep":
      method = try VisualPrompts.apply(to: clip, tokens: expected["prompt_tokens"] as! Int, deep: name == "vpt_deep", dropout: 0, seed: 0)
      head = try fixedText()
    case "coop", "coop_csc_middle", "coop_init_front":
      let context = try PromptContext.apply(
        to: clip, classNames: classes, contextLength: expected["n_ctx"] as! Int, ctxInit: expected["ctx_init"] as? String,
        position: PromptContext.ClassTokenPosition(rawValue: expected["class_token_position"] as! String)!,
        classSpecific: expected["csc"] as! Bool, seed: 0, tokenize: { try pipeline.tokenize([$0])[0] })
      method = context
      head = .visionLanguage(.learned(context))
    case "lora":
      let config = LoRAConfig(rank: 2, alpha: 1, dropout: 0, targetModules: .names(["q_proj", "k_proj", "v_proj"]))
      method = try LoRA.apply(config, to: clip, seed: 0)
      head = .visionLanguage(.prompts(ids: prompts, templates: 1))
    default: preconditionFailure(name)
    }
    let initFile = folder.appendingPathComponent("init.safetensors")
    try method.loadTensors(from: initFile)
    let file = try SafeTensorsFile(contentsOf: initFile)
    for (key, p) in headTensors { p.value = try file.tensor(key) }
    return Setup(classifier: try FewShotClassifier(model: clip, head: head), trainable: method.namedTensors + headTensors,
                 pixels: pixels, labels: labels, expected: expected)
  }

  @Test(arguments: cases)
  func logitsAndGradientsMatchPyTorch(_ c: Case) throws {
    let s = try Self.setup(c.name)
    let expectedLogits = (s.expected["logits"] as! [Double]).map(Float.init)
    let logits = try s.classifier.logits(.pixels(s.pixels))
    let close = Closeness(logits.data, expectedLogits)
    #expect(close.maxRelToScale <= 1e-5, "\(c): logits \(close)")

    let (loss, trainLogits) = try s.classifier.lossAndGradients(.pixels(s.pixels), labels: s.labels)
    #expect(Closeness(trainLogits.data, expectedLogits).maxRelToScale <= 1e-5)
    let firstLoss = Float((s.expected["losses"] as! [Double])[0])
    #expect(abs(loss - firstLoss) <= 1e-5 * firstLoss, "\(c): loss \(loss) vs \(firstLoss)")
    let grads = try SafeTensorsFile(contentsOf: Self.root.appendingPathComponent("\(c.name)/grads.safetensors"))
    #expect(Set(grads.names) == Set(s.trainable.map(\.key)), "\(c): trainable keys \(s.trainable.map(\.key)) vs \(grads.names)")
    for (key, p) in s.trainable {
      guard let g = p.grad else { Issue.record("\(c): \(key) got no gradient"); continue }
      let close = Closeness(g.data, try grads.tensor(key).data)
        #expect(close.maxRelToScale <= 3e-5, "\(c): d\(key) \(close)")
    }
  }

  @Test(arguments: cases)
  func tenAdamWStepsMatchPyTorch(_ c: Case) throws {
    let s = try Self.setup(c.name)
    let expected = (s.expected["losses"] as! [Double]).map(Float.init)
    let optimizer = AdamW(lr: 1e-3, betas: (0.9, 0.999), eps: 1e-8, weightDecay: 0)
    let parameters = s.trainable.map(\.parameter)
    var losses: [Float] = []
    for _ in 0..<expected.count {
      losses.append(try s.classifier.lossAndGradients(.pixels(s.pixels), labels: s.labels).loss)
      optimizer.step(parameters, lr: 1e-3)
      for p in parameters { p.zeroGradient() }
    }
    if let m = mismatches(losses, expected, tolerance: 1e-4, relative: true) { Issue.record("\(c): losses \(m)") }
    #expect(losses.last! < losses.first!, "\(c): training lowers the loss")
  }

  /// d loss / d θ by central differences (ε = 1e-2 on a float32 model) at four elements of every
  /// trainable tensor, against the analytic gradient: within 2% of the tensor's largest gradient.
  @Test(arguments: cases)
  func gradientsMatchFiniteDifferences(_ c: Case) throws {
    let s = try Self.setup(c.name)
    _ = try s.classifier.lossAndGradients(.pixels(s.pixels), labels: s.labels)
    let eps: Float = 1e-2
    for (key, p) in s.trainable {
      let analytic = p.grad!
      p.zeroGradient()
      let scale = analytic.data.map(abs).max()!
      let n = p.value.count
      for index in [0, n / 3, n / 2, n - 1] {
        let original = p.value.data[index]
        p.value.data[index] = original + eps
        let plus = try CrossEntropyLoss.lossAndGradient(logits: s.classifier.logits(.pixels(s.pixels)), labels: s.labels).loss
        p.value.data[index] = original - eps
        let minus = try CrossEntropyLoss.lossAndGradient(logits: s.classifier.logits(.pixels(s.pixels)), labels: s.labels).loss
        p.value.data[index] = original
        let numeric = (plus - minus) / (2 * eps)
        #expect(abs(numeric - analytic.data[index]) <= 0.02 * scale,
                "\(c): d\(key)[\(index)] analytic \(analytic.data[index]) vs numeric \(numeric) (scale \(scale))")
      }
    }
  }
}
