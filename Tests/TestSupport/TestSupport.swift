import Foundation

/// Locations of committed test fixtures (`Tests/Fixtures/...`), independent of the working directory.
public enum Fixtures {
  /// `Tests/Fixtures` in the source tree.
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// A path below `Tests/Fixtures`.
  public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

  /// A fresh empty temporary directory for one test.
  public static func temporaryDirectory(_ label: String = "cliptune-test") -> URL {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(label)-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }
}

/// How far two float arrays are apart.
public struct Closeness: CustomStringConvertible {
  /// max |a - b|
  public var maxAbs: Float
  /// max |a - b| / max |b| (relative to the largest reference magnitude)
  public var maxRelToScale: Float
  /// ‖a - b‖ / ‖b‖
  public var relativeL2: Float

  public init(_ a: [Float], _ b: [Float]) {
    precondition(a.count == b.count, "closeness: \(a.count) vs \(b.count) elements")
    var maxAbs: Float = 0, scale: Float = 0, num: Double = 0, den: Double = 0
    for i in a.indices {
      let d = abs(a[i] - b[i])
      if !(d <= maxAbs) { maxAbs = d.isNaN ? .infinity : Swift.max(maxAbs, d) }
      scale = Swift.max(scale, abs(b[i]))
      num += Double(d) * Double(d)
      den += Double(b[i]) * Double(b[i])
    }
    self.maxAbs = maxAbs
    self.maxRelToScale = maxAbs / Swift.max(scale, .leastNormalMagnitude)
    self.relativeL2 = Float((num / Swift.max(den, 1e-300)).squareRoot())
  }

  public var description: String {
    "maxAbs=\(maxAbs) maxRelToScale=\(maxRelToScale) relL2=\(relativeL2)"
  }
}

/// The first few elements where two arrays differ by more than `tolerance` (absolute, or relative
/// to the reference's largest magnitude when `relative`), and how many do: nil when none does.
/// Meant for `#expect(mismatches(a, b) == nil, ...)` so a failure prints a short summary instead of
/// both arrays.
public func mismatches<T: BinaryFloatingPoint>(_ actual: [T], _ expected: [T], tolerance: T = 0, relative: Bool = false, show: Int = 5) -> String? {
  guard actual.count == expected.count else { return "\(actual.count) elements, expected \(expected.count)" }
  let scale = relative ? Swift.max(expected.map { abs($0) }.max() ?? 0, T.leastNormalMagnitude) : 1
  var bad: [Int] = []
  var count = 0
  for i in actual.indices {
    let a = actual[i], e = expected[i]
    let same = a == e || (a.isNaN && e.isNaN) || abs(a - e) <= tolerance * scale
    if !same {
      count += 1
      if bad.count < show { bad.append(i) }
    }
  }
  guard count > 0 else { return nil }
  let shown = bad.map { "[\($0)] \(actual[$0]) vs \(expected[$0])" }.joined(separator: ", ")
  return "\(count) of \(actual.count) elements differ (tolerance \(tolerance)\(relative ? " × max|expected|" : "")): \(shown)\(count > show ? ", …" : "")"
}

/// `mismatches` for exact equality of any equatable elements (token ids, bytes).
public func mismatches<T: Equatable>(_ actual: [T], _ expected: [T], show: Int = 5) -> String? {
  guard actual.count == expected.count else { return "\(actual.count) elements, expected \(expected.count)" }
  let bad = actual.indices.filter { actual[$0] != expected[$0] }
  guard !bad.isEmpty else { return nil }
  let shown = bad.prefix(show).map { "[\($0)] \(actual[$0]) vs \(expected[$0])" }.joined(separator: ", ")
  return "\(bad.count) of \(actual.count) elements differ: \(shown)\(bad.count > show ? ", …" : "")"
}

/// The central difference (loss(v + h) − loss(v − h)) / 2h of a scalar read by `get` and written
/// by `set`, which is restored afterwards: the numeric side of a finite-difference gradient check.
public func centralDifference(h: Float = 1e-2, get: () -> Float, set: (Float) -> Void, loss: () -> Double) -> Double {
  let original = get()
  set(original + h)
  let up = loss()
  set(original - h)
  let down = loss()
  set(original)
  return (up - down) / (2 * Double(h))
}
