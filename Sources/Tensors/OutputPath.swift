#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An output path the tool refuses to write to. The description names the path and why
/// ("is a character device, not a regular file", "is the --texts input").
public struct OutputPathError: Error, CustomStringConvertible, Sendable {
  /// The path concerned, as given.
  public let file: String
  /// What is wrong.
  public let message: String

  public init(file: String, message: String) {
    self.file = file
    self.message = message
  }

  public var description: String { "\(file): \(message)" }
}

/// Checks made before anything is written, shared by every command that writes: a file output is
/// written (by temporary file + rename) only over nothing or a regular file that is none of the
/// command's inputs; a folder output is new, empty, or one the caller recognises as its own.
public enum OutputPath {
  /// One input of a command, to keep outputs off it: a file, or a folder whose entries (one level
  /// deep) are all inputs (a model folder).
  public struct Input: Sendable {
    public var path: String
    /// How the messages call it ("the --texts file", "a file of the --model folder").
    public var role: String
    public init(_ path: String, role: String) {
      self.path = path
      self.role = role
    }
  }

  /// Device and inode of what `path` names (following symbolic links), nil if nothing is there.
  public static func identity(_ path: String) -> (device: UInt64, inode: UInt64)? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return (UInt64(st.st_dev), UInt64(st.st_ino))
  }

  /// `path` made absolute against the working directory, `.`/`..` removed, symbolic links resolved.
  public static func resolved(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
  }

  /// True when `a` and `b` name the same file: the same resolved path, or the same device+inode.
  public static func sameFile(_ a: String, _ b: String) -> Bool {
    if resolved(a) == resolved(b) { return true }
    guard let x = identity(a), let y = identity(b) else { return false }
    return x.device == y.device && x.inode == y.inode
  }

  /// Checks that a file may be written at `path` (atomically, by a temporary file in the same
  /// folder renamed over it): nothing is there or a regular file is; it is not a folder, device
  /// node, FIFO or socket; it is none of `inputs` (a folder input: none of its entries); its folder
  /// exists. `flag` names the option in the messages ("--output").
  public static func checkFile(_ path: String, flag: String = "--output", inputs: [Input] = []) throws {
    func refuse(_ message: String) -> OutputPathError { OutputPathError(file: path, message: message) }
    guard !path.isEmpty else { throw refuse("\(flag) is empty") }
    switch InputFile.kind(path) {
    case nil, .regular?: break
    case .directory?: throw refuse("is a folder; \(flag) takes a file path")
    case .other(let kind)?: throw refuse("is \(kind), not a regular file; \(flag) writes only regular files")
    }
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    guard InputFile.kind(parent) == .directory else { throw refuse("its folder \(parent) does not exist") }
    for input in inputs {
      if sameFile(path, input.path) { throw refuse("is \(input.role); \(flag) must not overwrite an input") }
      if InputFile.kind(input.path) == .directory, InputFile.kind(path) != nil {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: input.path)) ?? [] {
          let entry = URL(fileURLWithPath: input.path).appendingPathComponent(name).path
          if sameFile(path, entry) { throw refuse("is \(name) of \(input.role); \(flag) must not overwrite an input") }
        }
      }
    }
  }

  /// What is at a folder output.
  public enum FolderState: Equatable, Sendable {
    /// Nothing: the folder will be created.
    case absent
    /// An existing folder with no entries other than `ignoring`.
    case empty
    /// An existing folder with these entries (sorted; `ignoring` left out).
    case nonEmpty([String])
  }

  /// What is at `path`, refusing anything but a folder (or nothing); entries named in `ignoring`
  /// do not count. `flag` names the option in the messages.
  public static func folderState(_ path: String, flag: String = "--output", ignoring: Set<String> = []) throws -> FolderState {
    func refuse(_ message: String) -> OutputPathError { OutputPathError(file: path, message: message) }
    guard !path.isEmpty else { throw refuse("\(flag) is empty") }
    switch InputFile.kind(path) {
    case nil: return .absent
    case .regular?: throw refuse("is a file; \(flag) takes a folder")
    case .other(let kind)?: throw refuse("is \(kind), not a folder")
    case .directory?:
      let entries: [String]
      do { entries = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
        throw refuse("cannot list: \(error.localizedDescription)")
      }
      let counted = entries.filter { !ignoring.contains($0) }.sorted()
      return counted.isEmpty ? .empty : .nonEmpty(counted)
    }
  }

  /// "a, b, c, …" of at most `limit` names, for messages about a folder's contents.
  public static func listing(_ names: [String], limit: Int = 3) -> String {
    names.prefix(limit).joined(separator: ", ") + (names.count > limit ? ", …" : "")
  }
}
