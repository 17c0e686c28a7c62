import Foundation

/// A demo's output folder (`demo`, `demo caption`): new, empty, or an earlier demo's (marked by `demo.json`), which is
/// cleared. Anything else is refused so a typo never deletes a user's files.
enum DemoFolder {
  static let marker = "demo.json"
  /// What a demo writes into its folder (removed before a rerun).
  static let contents = ["data", "scratch", "pretrain", "adapt", "fewshot", "caption", "results.json", "report.html", marker]

  /// Clears or creates `folder` and writes `options` (any demo's, resolved) as its marker.
  static func prepare(_ folder: URL, options: some Encodable) throws {
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    if fm.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw DemoError(file: folder.path, "exists and is not a folder") }
      let existing = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
      if !existing.isEmpty {
        guard existing.contains(marker) else {
          throw DemoError(file: folder.path, "is not empty and holds no earlier demo (\(marker)); choose a new --output")
        }
        for name in contents { try? fm.removeItem(at: folder.appendingPathComponent(name)) }
      }
    }
    do {
      try fm.createDirectory(at: folder, withIntermediateDirectories: true)
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
      try encoder.encode(options).write(to: folder.appendingPathComponent(marker), options: .atomic)
    } catch {
      throw DemoError(file: folder.path, "cannot create the demo folder: \(error.localizedDescription)")
    }
  }
}
