import CLIP
import Foundation
import Layers
import PEFT
import Tensors
import TestSupport
import Testing

/// More broken adapter folders: out-of-range numbers, wrong JSON types, files that are folders,
/// non-finite weights. Each fails naming the file and key and leaves the model untouched.
struct AdapterInputValidationTests {
  typealias E = AdapterLoadingErrorTests

  @Test(arguments: [
    ("LoRA rank r must be positive, got -4", "r", -4 as Int?),
    ("LoRA rank r is 1000000, above the limit of 16384", "r", 1_000_000),
  ] as [(String, String, Int?)])
  func rankOutOfRange(expected: String, key: String, value: Int?) throws {
    let dir = try E.copyOfAdapter()
    try E.editConfig(dir) { $0[key] = value }
    let message = try E.loadError(dir)
    #expect(message.contains("adapter/adapter_config.json: ") && message.contains(expected), "\(message)")
  }

  @Test func wrongTypesAndHugeNumbersAreClearErrors() throws {
    let cases: [(String, (inout [String: Any]) -> Void)] = [
      ("'target_modules' must be a list of module names or a regex string, found 7", { $0["target_modules"] = 7 }),
      ("'target_modules' must list module names as strings", { $0["target_modules"] = ["q_proj", 3] }),
      ("'lora_alpha' must be a number", { $0["lora_alpha"] = "high" }),
      ("'r' is 1e+30, far outside any sensible range", { $0["r"] = 1e30 }),
      ("lora_dropout must be in [0, 1), got 1.5", { $0["lora_dropout"] = 1.5 }),
    ]
    for (expected, edit) in cases {
      let dir = try E.copyOfAdapter()
      try E.editConfig(dir, edit)
      let message = try E.loadError(dir)
      #expect(message.contains("adapter/adapter_config.json: ") && message.contains(expected), "\(message)")
    }
  }

  @Test func infiniteAlphaIsRefused() throws {
    let dir = try E.copyOfAdapter()
    let url = dir.appendingPathComponent("adapter_config.json")
    var text = try String(contentsOf: url, encoding: .utf8)
    let range = try #require(text.range(of: #""lora_alpha": [0-9.]+"#, options: .regularExpression))
    text.replaceSubrange(range, with: #""lora_alpha": 1e999"#)
    try text.write(to: url, atomically: true, encoding: .utf8)
    let message = try E.loadError(dir)
    #expect(message.contains("adapter/adapter_config.json: "), "\(message)")
    #expect(message.contains("lora_alpha must be a finite number") || message.contains("not valid JSON"), "\(message)")
  }

  @Test func configThatIsAFolderIsRefused() throws {
    let dir = try E.copyOfAdapter()
    let config = dir.appendingPathComponent("adapter_config.json")
    try FileManager.default.removeItem(at: config)
    try FileManager.default.createDirectory(at: config, withIntermediateDirectories: false)
    let message = try E.loadError(dir)
    #expect(message == "\(config.path): is a folder, not a config file", "\(message)")
  }

  @Test func adapterPathThatIsAFileIsRefused() throws {
    let dir = try E.copyOfAdapter()
    let message = try E.loadError(dir.appendingPathComponent("adapter_config.json"))
    #expect(message.contains("is a file, not an adapter folder"), "\(message)")
  }

  @Test func nonfiniteAdapterWeightsAreRefusedUnlessAllowed() throws {
    let dir = try E.copyOfAdapter()
    let key = "\(E.q0).lora_B.weight"
    try E.editWeights(dir) { t in
      var b = t[key]!
      b.data[0] = .nan
      b.data[1] = .infinity
      t[key] = b
    }
    let message = try E.loadError(dir)
    #expect(message == "\(dir.path)/adapter_model.safetensors: tensor '\(key)' holds 2 NaN/Inf values", "\(message)")
    var warnings: [String] = []
    let model = try Tiny.model()
    _ = try LoRA.load(adapterDirectory: dir, onto: model, allowNonfinite: true) { warnings.append($0) }
    #expect(warnings == [message])
  }
}
