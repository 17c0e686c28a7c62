#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a file atomically: everything goes to a temporary file in the destination's directory,
/// which is flushed to disk and then renamed over the destination. Readers see either the old
/// file or the complete new one, never a partial write.
struct AtomicFileWriter {
  let destination: URL
  private let temporaryPath: String
  private var fd: Int32

  /// Creates the temporary file next to `destination`.
  init(destination: URL) throws {
    self.destination = destination
    let dir = destination.deletingLastPathComponent()
    temporaryPath = dir.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(UUID().uuidString)").path
    fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else {
      throw SafeTensorsError(file: destination.path, message: "cannot create temporary file \(temporaryPath): \(String(cString: strerror(errno)))")
    }
  }

  /// Appends `bytes`, retrying short writes.
  func write(_ bytes: UnsafeRawBufferPointer) throws {
    var offset = 0
    while offset < bytes.count {
      let n = posixWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        throw SafeTensorsError(file: destination.path, message: "write failed: \(String(cString: strerror(errno)))")
      }
      offset += n
    }
  }

  /// Flushes, closes and renames the temporary file onto the destination.
  mutating func commit() throws {
    let syncFailed = fsync(fd) != 0
    let closeFailed = close(fd) != 0
    fd = -1
    guard !syncFailed, !closeFailed else {
      throw SafeTensorsError(file: destination.path, message: "cannot flush temporary file: \(String(cString: strerror(errno)))")
    }
    guard rename(temporaryPath, destination.path) == 0 else {
      throw SafeTensorsError(file: destination.path, message: "cannot rename temporary file into place: \(String(cString: strerror(errno)))")
    }
  }

  /// Closes and deletes the temporary file (after a failure); the destination is untouched.
  mutating func abandon() {
    if fd >= 0 { close(fd); fd = -1 }
    unlink(temporaryPath)
  }
}

/// The POSIX `write`, under a name that does not clash with `AtomicFileWriter.write`.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
  return Glibc.write(fd, buffer, count)
  #else
  return Darwin.write(fd, buffer, count)
  #endif
}
