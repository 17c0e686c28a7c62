import Foundation
import Testing

extension CommandLineTool {
  /// Runs `cliptune args…` expecting a clean failure: a non-zero exit, every one of `needles` in
  /// standard error (the file and the problem), and no crash.
  public static func expectFailure(_ args: [String], mentions needles: [String],
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    let r = try run(args)
    #expect(r.status != 0, "expected failure for \(args)", sourceLocation: sourceLocation)
    for needle in needles {
      #expect(r.stderr.contains(needle), "stderr lacks '\(needle)': \(r.stderr)", sourceLocation: sourceLocation)
    }
    #expect(!r.stderr.contains("Fatal error"), "crashed: \(r.stderr)", sourceLocation: sourceLocation)
  }
}
