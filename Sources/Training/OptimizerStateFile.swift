import Foundation
import SafeTensors
import Tensors

/// Reading optimiser state back from a safetensors file: `<parameter name>.<field>` tensors.
enum OptimizerStateFile {
  /// "a.b.exp_avg" → ("a.b", "exp_avg").
  static func split(_ name: String) -> (parameter: String, field: String) {
    guard let dot = name.lastIndex(of: ".") else { return ("", name) }
    return (String(name[..<dot]), String(name[name.index(after: dot)...]))
  }

  /// The file's tensors grouped by parameter name, each with exactly `fields`. Throws for another
  /// optimiser's file, unknown fields, or incomplete entries.
  static func read(_ file: SafeTensorsFile, kind: String, fields: Set<String>) throws -> [String: [String: Tensor]] {
    if let recorded = file.metadata["optimizer"], recorded != kind {
      throw TrainingError(file: file.url.path, "holds \(recorded) state, not \(kind)")
    }
    var groups: [String: [String: Tensor]] = [:]
    for name in file.names {
      let (parameter, field) = split(name)
      guard !parameter.isEmpty, fields.contains(field) else {
        throw TrainingError(file: file.url.path, "unexpected tensor '\(name)' in \(kind) state (fields: \(fields.sorted().joined(separator: ", ")))")
      }
      groups[parameter, default: [:]][field] = try file.tensor(name)
    }
    for (parameter, entry) in groups where Set(entry.keys) != fields {
      let missing = fields.subtracting(entry.keys).sorted().map { "'\(parameter).\($0)'" }
      throw TrainingError(file: file.url.path, "\(kind) state incomplete: missing \(missing.joined(separator: ", "))")
    }
    return groups
  }

  /// A step count as a one-element tensor (exact below 2²⁴ steps, like PyTorch's float32 `step`).
  static func stepTensor(_ count: Int) -> Tensor {
    precondition(count >= 0 && count <= 1 << 24, "step count \(count) is not exact in float32")
    return Tensor(shape: [1], data: [Float(count)])
  }

  /// The step count a tensor from `stepTensor` holds.
  static func stepCount(_ t: Tensor, name: String, file: SafeTensorsFile) throws -> Int {
    guard t.count == 1, let v = t.data.first, v >= 0, v <= Float(1 << 24), v == v.rounded() else {
      throw TrainingError(file: file.url.path, "'\(name).step' must be one non-negative whole number, got \(t)")
    }
    return Int(v)
  }
}
