#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Tensors

/// A whole file mapped read-only into memory; unmapped when released.
final class MappedFile: @unchecked Sendable {
  /// The mapped bytes (`count` of them); immutable for the object's lifetime.
  let bytes: UnsafeRawBufferPointer

  /// Maps `path`. Fails (naming the file) if it cannot be opened, is not a regular file, or cannot
  /// be mapped. An empty file maps to an empty buffer.
  init(path: String) throws {
    // Refuse folders, FIFOs and devices before opening (opening a FIFO would block), and open
    // without blocking in case one is swapped in after the check; fstat below catches that.
    guard InputFile.kind(path) != nil else {
      throw SafeTensorsError(file: path, message: "cannot open: no such file")
    }
    do { try InputFile.checkRegular(path, what: "safetensors file") } catch let e as InputFileError {
      throw SafeTensorsError(file: path, message: e.message)
    }
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else {
      throw SafeTensorsError(file: path, message: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      throw SafeTensorsError(file: path, message: "cannot stat: \(String(cString: strerror(errno)))")
    }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
      throw SafeTensorsError(file: path, message: "not a regular file")
    }
    let size = Int(st.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
    guard let address, address != MAP_FAILED else {
      throw SafeTensorsError(file: path, message: "cannot memory-map \(size) bytes: \(String(cString: strerror(errno)))")
    }
    bytes = UnsafeRawBufferPointer(start: address, count: size)
  }

  deinit {
    if let base = bytes.baseAddress {
      munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
    }
  }
}
