import Foundation
import TestSupport

/// A throwaway folder that tests fill with caption files and (empty) image files.
struct TempTree {
  let root: URL = Fixtures.temporaryDirectory("datasets")

  /// Writes `text` to `relative` (creating folders) and returns its URL.
  @discardableResult
  func file(_ relative: String, _ text: String = "") throws -> URL {
    let url = root.appendingPathComponent(relative)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: url)
    return url
  }

  /// Creates empty files at each relative path.
  func images(_ relatives: [String]) throws {
    for r in relatives { try file(r) }
  }

  func folder(_ relative: String) throws -> URL {
    let url = root.appendingPathComponent(relative)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
