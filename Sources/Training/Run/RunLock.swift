#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An exclusive lock on a run folder (`flock` on `<run>/.lock`, which records the holder's pid),
/// so two `train` / `--resume` processes never write the same run. Taken locks are held until the
/// process ends (the kernel drops them then, even after a crash or `kill -9`).
public enum RunLock {
  /// The lock file's name inside a run folder.
  public static let fileName = ".lock"

  nonisolated(unsafe) private static var held: [String: Int32] = [:]
  private static let guardLock = NSLock()

  /// Locks `folder` (which must exist) for the rest of this process; does nothing if this process
  /// holds it already. Throws "RUN_DIR is in use by another cliptune process (pid N)" when another
  /// process holds it.
  public static func acquire(_ folder: URL) throws {
    let key = folder.standardizedFileURL.resolvingSymlinksInPath().path
    guardLock.lock(); defer { guardLock.unlock() }
    if held[key] != nil { return }
    let path = folder.appendingPathComponent(fileName).path
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o644)
    guard fd >= 0 else {
      throw TrainingError(file: folder.path, "cannot create the run lock \(fileName): \(String(cString: strerror(errno)))")
    }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
      close(fd)
      throw TrainingError(file: path, "the run lock is not a regular file")
    }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      let busy = errno == EWOULDBLOCK
      var buffer = [UInt8](repeating: 0, count: 32)
      let n = pread(fd, &buffer, buffer.count, 0)
      close(fd)
      let pid = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
      if busy { throw TrainingError("\(folder.path) is in use by another cliptune process (pid \(pid.isEmpty ? "?" : pid))") }
      throw TrainingError(file: path, "cannot lock the run folder: \(String(cString: strerror(errno)))")
    }
    let pid = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    held[key] = fd
  }
}
