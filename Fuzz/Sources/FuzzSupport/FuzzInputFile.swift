import Foundation

/// A file that holds the current fuzz input, for parsers whose public entry point takes a path.
/// One per process (and per name), created once and overwritten for every input.
public final class FuzzInputFile {
  /// The file's location: `<tmp>/cliptune-fuzz-<pid>/<name>`.
  public let url: URL

  /// Makes the folder (`$FUZZ_INPUT_DIR`, else `cliptune-fuzz-<pid>` in `/dev/shm` when there is
  /// one, else in the temporary folder); `name` is the file name the parser sees (its extension can
  /// matter). A memory file system matters: rewriting a file on ext4 flushes it to disk on every
  /// close, which made file-reading targets some 50 times slower.
  public init(name: String) {
    let folder: URL
    if let dir = ProcessInfo.processInfo.environment["FUZZ_INPUT_DIR"], !dir.isEmpty {
      folder = URL(fileURLWithPath: dir, isDirectory: true)
    } else {
      let base = FileManager.default.fileExists(atPath: "/dev/shm")
        ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
      folder = base.appendingPathComponent("cliptune-fuzz-\(getpid())", isDirectory: true)
    }
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    url = folder.appendingPathComponent(name)
  }

  /// Replaces the file's contents with `size` bytes at `data` and returns its location.
  @discardableResult
  public func write(_ data: UnsafePointer<UInt8>, _ size: Int) -> URL {
    let handle = fopen(url.path, "wb")!
    if size > 0 { precondition(fwrite(data, 1, size, handle) == size, "cannot write the fuzz input file") }
    fclose(handle)
    return url
  }

  /// Replaces the file's contents with `bytes`.
  @discardableResult
  public func write<C: Collection>(_ bytes: C) -> URL where C.Element == UInt8 {
    let array = Array(bytes)
    return array.withUnsafeBufferPointer { buffer in
      write(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, buffer.count)
    }
  }
}

/// The fuzz input as `Data` (copied).
public func fuzzData(_ data: UnsafePointer<UInt8>, _ size: Int) -> Data {
  Data(bytes: data, count: size)
}
