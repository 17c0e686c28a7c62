import Foundation
import Tensors

/// The contents of a PEFT LoRA `adapter_config.json`: what ClipTune reads from adapters PEFT wrote
/// and writes so that `PeftModel.from_pretrained` reads ours.
public struct AdapterConfigFile: Sendable, Equatable {
  public static let fileName = "adapter_config.json"
  /// The PEFT release whose `adapter_config.json` layout (field set, defaults) the writer mirrors.
  public static let peftFormatVersion = "0.21.2"

  public var lora: LoRAConfig
  /// `base_model_name_or_path`: the base checkpoint's hub id or folder, when known.
  public var baseModelNameOrPath: String?
  /// `fan_in_fan_out`: PEFT turns it on when a target is GPT-2's Conv1D (weight [in, out]). It
  /// changes nothing on reading: each layer's own layout decides.
  public var fanInFanOut = false
  /// `auto_mapping`: transformers' class of the base model and the module defining it.
  public var baseModelClass = (name: "CLIPModel", library: "transformers.models.clip.modeling_clip")

  public init(lora: LoRAConfig, baseModelNameOrPath: String? = nil) {
    self.lora = lora
    self.baseModelNameOrPath = baseModelNameOrPath
  }

  public static func == (a: AdapterConfigFile, b: AdapterConfigFile) -> Bool {
    a.lora == b.lora && a.baseModelNameOrPath == b.baseModelNameOrPath && a.fanInFanOut == b.fanInFanOut
      && a.baseModelClass == b.baseModelClass
  }

  /// Reads `url`. Unknown keys are ignored (newer PEFT versions add fields); settings that would
  /// change what the adapter computes and that ClipTune does not implement are errors.
  public init(contentsOf url: URL) throws {
    let file = url.path
    func fail(_ message: String) -> PEFTError { PEFTError(file: file, message) }
    guard InputFile.kind(file) != nil else { throw fail("no such file (an adapter folder needs adapter_config.json)") }
    let data: Data
    do { data = try InputFile.read(file, what: "config file", limit: 16 << 20) } catch let e as InputFileError { throw fail(e.message) }
    let parsed: Any
    do { parsed = try JSONSerialization.jsonObject(with: data) } catch { throw fail("not valid JSON: \(error.localizedDescription)") }
    guard let root = parsed as? [String: Any] else { throw fail("not a JSON object") }
    let json = JSONFields(root, fail: fail)

    guard let peftType = root["peft_type"] as? String else { throw fail("no 'peft_type' string (is this a PEFT adapter?)") }
    guard peftType == "LORA" else { throw fail("peft_type is '\(peftType)'; only LORA adapters are supported") }
    try json.rejectUnsupportedLoRAFeatures()

    var lora = LoRAConfig()
    guard let rank = try json.integer("r") else { throw fail("missing 'r' (the LoRA rank)") }
    lora.rank = rank
    lora.alpha = try json.number("lora_alpha") ?? 8
    lora.dropout = try json.number("lora_dropout") ?? 0
    lora.useRSLoRA = try json.bool("use_rslora") ?? false
    guard let targets = try json.selector("target_modules") else {
      throw fail("'target_modules' is null; ClipTune needs the adapted modules named (a list or a regex)")
    }
    lora.targetModules = targets
    lora.excludeModules = try json.selector("exclude_modules")
    lora.towers = .both
    do { try lora.validate() } catch let e as PEFTError { throw fail(e.message) }
    self.lora = lora
    baseModelNameOrPath = root["base_model_name_or_path"] as? String
    fanInFanOut = try json.bool("fan_in_fan_out") ?? false
  }

  /// Every field PEFT 0.21 writes for a plain LoRA config, with this adapter's values.
  public func jsonObject() -> [String: Any] {
    let null = NSNull()
    func selector(_ s: ModuleSelector?) -> Any {
      switch s {
      case .none: return null
      case .names(let names)?: return names
      case .pattern(let pattern)?: return pattern
      }
    }
    // PEFT writes integral lora_alpha values as integers.
    let alpha: Any = lora.alpha == lora.alpha.rounded() && abs(lora.alpha) < 1e15 ? Int(lora.alpha) as Any : lora.alpha as Any
    return [
      "alora_invocation_tokens": null, "alpha_pattern": [String: Any](), "arrow_config": null,
      "auto_mapping": ["base_model_class": baseModelClass.name, "parent_library": baseModelClass.library],
      "base_model_name_or_path": baseModelNameOrPath.map { $0 as Any } ?? null, "bias": "none",
      "corda_config": null, "ensure_weight_tying": false, "eva_config": null,
      "exclude_modules": selector(lora.excludeModules), "fan_in_fan_out": fanInFanOut, "inference_mode": true,
      "init_lora_weights": true, "kasa_config": null, "layer_replication": null, "layers_pattern": null,
      "layers_to_transform": null, "loftq_config": [String: Any](), "lora_alpha": alpha, "lora_bias": false,
      "lora_dropout": lora.dropout, "lora_ga_config": null, "megatron_config": null,
      "megatron_core": "megatron.core", "modules_to_save": null, "monteclora_config": null,
      "peft_type": "LORA", "peft_version": Self.peftFormatVersion, "qalora_group_size": 16, "r": lora.rank,
      "rank_pattern": [String: Any](), "revision": null, "target_modules": selector(lora.targetModules),
      "target_parameters": null, "task_type": null, "trainable_token_indices": null, "use_bdlora": null,
      "use_dora": false, "use_qalora": false, "use_rslora": lora.useRSLoRA, "velora_config": null,
    ]
  }

  /// Writes the file atomically, formatted as PEFT writes it (`json.dumps(indent=2, sort_keys=True)`).
  public func write(to url: URL) throws {
    do {
      try Data(PythonJSON.string(jsonObject()).utf8).write(to: url, options: .atomic)
    } catch {
      throw PEFTError(file: url.path, "cannot write adapter config: \(error.localizedDescription)")
    }
  }
}
