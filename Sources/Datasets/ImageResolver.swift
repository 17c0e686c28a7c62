import Foundation
import Tensors

/// Turns image paths from a caption file into existing files: an absolute path is used as is; a
/// relative one is tried under each root in turn and the first existing file wins.
struct ImageResolver {
  let roots: [URL]

  /// How many missing images an error lists by name.
  static let listedMissing = 5

  /// Looks relative paths up under each of `roots`, in order.
  init(roots: [URL]) {
    self.roots = roots
  }

  /// `imageRoot` alone if given; otherwise the caption file's folder, then its `images/` subfolder.
  init(captionFile: URL, imageRoot: URL?) {
    if let imageRoot {
      roots = [imageRoot]
    } else {
      let folder = captionFile.deletingLastPathComponent()
      roots = [folder, folder.appendingPathComponent("images")]
    }
  }

  /// The resolved URL of every path, in order; throws listing the missing ones. With `lines`
  /// (the 1-based line of each path in its file) messages name lines instead of image indices.
  func resolve(_ paths: [String], lines: [Int]? = nil) throws -> [URL] {
    func place(_ index: Int) -> String { lines.map { "line \($0[index])" } ?? "image \(index)" }
    var resolved: [URL] = []
    var missing: [String] = []
    resolved.reserveCapacity(paths.count)
    for (index, path) in paths.enumerated() {
      guard !path.isEmpty else { throw FormatProblem("\(place(index)): empty image path") }
      guard !path.contains("\0") else { throw FormatProblem("\(place(index)): the image path holds a NUL character") }
      if !path.hasPrefix("/") {
        var depth = 0
        for part in path.split(separator: "/") {
          if part == ".." { depth -= 1 } else if part != "." { depth += 1 }
          guard depth >= 0 else {
            throw FormatProblem("\(place(index)): path '\(path)' leads outside the image folder (relative paths must stay below it)")
          }
        }
      }
      let candidates = path.hasPrefix("/") ? [URL(fileURLWithPath: path)] : roots.map { $0.appendingPathComponent(path) }
      if let found = candidates.first(where: { if case .regular? = InputFile.kind($0.path) { return true } else { return false } }) {
        resolved.append(found)
      } else {
        missing.append(lines == nil ? path : "\(path) (\(place(index)))")
        resolved.append(candidates[0])
      }
    }
    guard missing.isEmpty else {
      let shown = missing.prefix(Self.listedMissing).joined(separator: ", ")
      let where_ = roots.map(\.path).joined(separator: " or ")
      throw FormatProblem("\(missing.count) of \(paths.count) images not found (relative paths looked up under \(where_)): \(shown)\(missing.count > Self.listedMissing ? ", …" : "")")
    }
    return resolved
  }
}
