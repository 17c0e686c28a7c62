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
