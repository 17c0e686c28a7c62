import Foundation
import Tensors

/// Checkpoint folders under `<run>/checkpoints/`, written so that a crash or a full disk never
/// damages the last good one: files go into a hidden temporary folder, which is renamed to
/// `step-NNNNNNNN` only when every file is complete; then the `latest` pointer is replaced
/// atomically and checkpoints beyond the newest `keep` are deleted.
public struct CheckpointStore {
  public let folder: URL
  public let keep: Int

  public init(folder: URL, keep: Int = 2) {
    self.folder = folder
    self.keep = max(1, keep)
  }

  public static func name(step: Int) -> String { String(format: "step-%08d", step) }

  /// Writes one checkpoint. `write` receives the (temporary) folder and writes every file into it.
  /// On failure nothing of the new checkpoint remains and the previous one is untouched.
  @discardableResult
  public func save(step: Int, _ write: (URL) throws -> Void) throws -> URL {
    let fm = FileManager.default
    let final = folder.appendingPathComponent(Self.name(step: step))
    let temporary = folder.appendingPathComponent(".tmp-\(Self.name(step: step))-\(UUID().uuidString)")
    do {
      try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
      try write(temporary)
      if fm.fileExists(atPath: final.path) { try fm.removeItem(at: final) }
      try fm.moveItem(at: temporary, to: final)
      try Data(Self.name(step: step).utf8).write(to: folder.appendingPathComponent("latest"), options: .atomic)
    } catch {
      try? fm.removeItem(at: temporary)
      let previous = latest().map { " The previous checkpoint \($0.path) is intact." } ?? ""
      throw TrainingError(file: final.path, "checkpoint at step \(step) could not be written (\(Self.reason(error))).\(previous)")
    }
    prune()
    return final
  }

  /// The newest complete checkpoint, if any.
  public func latest() -> URL? {
    let pointer = folder.appendingPathComponent("latest")
    if let name = try? String(contentsOf: pointer, encoding: .utf8) {
      let url = folder.appendingPathComponent(name.trimmingCharacters(in: .whitespacesAndNewlines))
      if FileManager.default.fileExists(atPath: url.path) { return url }
    }
    return all().last
  }

  /// The newest complete checkpoint, if any, refusing a `latest` pointer that is not a regular
  /// file, is oversized, or names anything but a `step-NNNNNNNN` folder of this store (a pointer
  /// like `../../elsewhere` is an error, not a path to follow).
  public func latestChecked() throws -> URL? {
    let pointer = folder.appendingPathComponent("latest")
    guard InputFile.kind(pointer.path) != nil else { return all().last }
    let data: Data
    do { data = try InputFile.read(pointer.path, what: "checkpoint pointer", limit: 4096) } catch let error as InputFileError {
      throw TrainingError(file: error.file, error.message)
    }
    let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard Self.isCheckpointName(name) else {
      throw TrainingError(file: pointer.path, "names '\(name.prefix(80))', not a checkpoint folder step-NNNNNNNN")
    }
    let url = folder.appendingPathComponent(name)
    guard InputFile.kind(url.path) == .directory else { return all().last }
    return url
  }

  /// `step-` followed by at least 8 digits.
  static func isCheckpointName(_ name: String) -> Bool {
    guard name.hasPrefix("step-") else { return false }
    let digits = name.dropFirst(5)
    return digits.count >= 8 && digits.count <= 12 && digits.allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// Complete checkpoints, oldest first.
  public func all() -> [URL] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    return names.filter { Self.isCheckpointName($0) && InputFile.kind(folder.appendingPathComponent($0).path) == .directory }.sorted().map { folder.appendingPathComponent($0) }
  }

  private func prune() {
    let existing = all()
    for url in existing.dropLast(keep) { try? FileManager.default.removeItem(at: url) }
    // Leftovers of interrupted saves.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(".tmp-") {
      try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
    }
  }

  static func reason(_ error: Error) -> String {
    let ns = error as NSError
    if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain, posix.code == Int(ENOSPC) {
      return "no space left on device"
    }
    if ns.domain == NSPOSIXErrorDomain && ns.code == Int(ENOSPC) { return "no space left on device" }
    if ns.domain == NSCocoaErrorDomain && ns.code == NSFileWriteOutOfSpaceError { return "no space left on device" }
    return (error as? CustomStringConvertible)?.description ?? ns.localizedDescription
  }
}
