#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file given to the tool that cannot be used as input. The description names the file and what
/// is wrong ("is a folder, not a file", "is a FIFO, not a regular file", "is 3.2 GB, over the 1 GB
/// limit for …").
public struct InputFileError: Error, CustomStringConvertible, Sendable {
  /// Path of the file concerned, as given.
  public let file: String
  /// What is wrong.
  public let message: String

  public init(file: String, message: String) {
    self.file = file
    self.message = message
  }

  public var description: String { "\(file): \(message)" }
}

/// Reading whole input files safely: only regular files are read (a folder, FIFO, socket or device
/// node is refused before anything blocks on it), sizes are checked against a limit before any
/// buffer is allocated, and every failure names the file.
public enum InputFile {
  /// The kind of a path's target, following symbolic links (`nil` when nothing is there).
  public enum Kind: Sendable, Equatable {
    case regular(size: Int)
    case directory
    case other(String)
  }

  /// What `path` is, following symbolic links; nil if it does not exist.
  public static func kind(_ path: String) -> Kind? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return kind(of: st)
  }

  static func kind(of st: stat) -> Kind {
    switch st.st_mode & S_IFMT {
    case S_IFREG: return .regular(size: Int(st.st_size))
    case S_IFDIR: return .directory
    case S_IFIFO: return .other("a FIFO")
    case S_IFSOCK: return .other("a socket")
    case S_IFCHR: return .other("a character device")
    case S_IFBLK: return .other("a block device")
    default: return .other("not a regular file")
    }
  }

  /// Checks that `path` names an existing regular file and returns its size in bytes.
  /// `what` describes the file for the messages ("config file", "image").
  @discardableResult
  public static func checkRegular(_ path: String, what: String = "file") throws -> Int {
    switch kind(path) {
    case nil: throw InputFileError(file: path, message: "no such \(what)")
    case .directory: throw InputFileError(file: path, message: "is a folder, not \(article(what)) \(what)")
    case .other(let k): throw InputFileError(file: path, message: "is \(k), not a regular file")
    case .regular(let size): return size
    }
  }

  /// The whole contents of the regular file at `path`, refused before reading when it is larger
  /// than `limit` bytes. Opening never blocks (a FIFO swapped in after the check is refused too).
  public static func read(_ path: String, what: String = "file", limit: Int = 1 << 30) throws -> Data {
    try checkRegular(path, what: what)
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw InputFileError(file: path, message: "cannot open: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw InputFileError(file: path, message: "cannot stat: \(String(cString: strerror(errno)))") }
    guard case .regular(let size) = kind(of: st) else {
      throw InputFileError(file: path, message: "is not a regular file")
    }
    guard size <= limit else {
      throw InputFileError(file: path, message: "is \(formatBytes(size)), over the \(formatBytes(limit)) limit for \(article(what)) \(what)")
    }
    var data = Data(count: size)
    var done = 0
    try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
      while done < size {
        let n = readBytes(fd, buffer.baseAddress! + done, size - done)
        if n < 0 {
          if errno == EINTR { continue }
          throw InputFileError(file: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }  // the file shrank while being read
        done += n
      }
    }
    if done < size { data.removeSubrange(done..<size) }
    return data
  }

  /// "an" before a vowel ("an image file"), else "a".
  static func article(_ noun: String) -> String {
    noun.first.map { "aeiou".contains($0) } == true ? "an" : "a"
  }

  /// "1.5 GB", "320 MB", "12 kB", "17 bytes".
  public static func formatBytes(_ n: Int) -> String {
    let units: [(Double, String)] = [(1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
    for (scale, unit) in units where Double(n) >= scale {
      let v = Double(n) / scale
      return v >= 100 ? "\(Int(v.rounded())) \(unit)" : "\(String(format: "%.1f", v)) \(unit)"
    }
    return "\(n) bytes"
  }
}

/// `read(2)`, outside `InputFile` so the name does not clash with `InputFile.read`.
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  read(fd, buffer, count)
}
