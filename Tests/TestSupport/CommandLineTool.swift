import Foundation

/// Runs the built `cliptune` executable (it sits next to the test bundle in `.build/<config>/`).
public enum CommandLineTool {
  public struct Result {
    public var status: Int32
    public var stdout: String
    public var stderr: String
  }

  /// `$CLIPTUNE_EXECUTABLE` when set (CI runs the CLI tests against the release binary that way),
  /// else `.build/<config>/cliptune` beside the test bundle.
  public static var executable: URL {
    if let path = ProcessInfo.processInfo.environment["CLIPTUNE_EXECUTABLE"], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // Under `swift test` argv[0] is the .xctest bundle (a file on Linux, a folder on macOS).
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("cliptune").path), dir.path != "/" {
      dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("cliptune")
  }

  /// Runs `cliptune args…` to completion and captures its output.
  public static func run(_ args: [String], in directory: URL? = nil) throws -> Result {
    let process = Process()
    process.executableURL = executable
    process.arguments = args
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
    let errData = DataBox(), done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      errData.data = err.fileHandleForReading.readDataToEndOfFile()
      done.signal()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData.data, as: UTF8.self))
  }
}

/// Bytes filled in by one reader thread and read after it signals.
private final class DataBox: @unchecked Sendable { var data = Data() }

extension CommandLineTool {
  /// Starts `cliptune args…`, waits (up to `timeout` seconds) until `file` has at least `lines`
  /// lines, then kills the process with SIGKILL. Returns whether it was killed (false: it had
  /// already exited).
  public static func runAndKill(_ args: [String], whenFile file: URL, hasLines lines: Int, timeout: Double = 120) throws -> Bool {
    let process = Process()
    process.executableURL = executable
    process.arguments = args
    process.standardError = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let count = (try? String(contentsOf: file, encoding: .utf8))?.split(separator: "\n").count ?? 0
      if count >= lines || !process.isRunning { break }
      usleep(500)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    return process.terminationReason == .uncaughtSignal
  }
}
