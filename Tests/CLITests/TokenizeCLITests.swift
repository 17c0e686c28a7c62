import Foundation
import TestSupport
import Testing

/// `cliptune tokenize` on a GPT-2 folder prints transformers' GPT2Tokenizer ids (fixtures of
/// Scripts/fixtures/make_gpt2_tokenizer_fixtures.py), with no tokens added and no truncation.
struct TokenizeCLITests {
  struct Case: Decodable {
    let text: String
    let ids: [Int]
  }

  struct File: Decodable { let cases: [Case] }

  let folder = Fixtures.url("gpt2/tiny")

  @Test func gpt2FolderPrintsTransformersIds() throws {
    let data = try Data(contentsOf: folder.appendingPathComponent("cases.json"))
    // One text per line: leave out texts with line breaks (and a leading BOM, which the reader drops).
    let cases = try JSONDecoder().decode(File.self, from: data).cases.filter {
      !$0.text.unicodeScalars.contains { $0 == "\n" || $0 == "\r" } && !$0.text.hasPrefix("\u{FEFF}")
    }
    #expect(cases.count > 500)
    let dir = Fixtures.temporaryDirectory("tokenize-gpt2")
    let texts = dir.appendingPathComponent("texts.txt")
    try Data(cases.map(\.text).joined(separator: "\n").utf8).write(to: texts)
    let r = try CommandLineTool.run(["tokenize", "--model", folder.path, "--texts", texts.path])
    #expect(r.status == 0, "\(r.stderr)")
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == cases.count)
    var bad: [String] = []
    for (c, line) in zip(cases, lines) {
      let got = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [Int]
      if got != c.ids { bad.append("\(c.text.debugDescription): got \(got), transformers \(c.ids)") }
    }
    let none = bad.isEmpty  // not `bad.isEmpty` inside #expect, which would print every mismatch
    #expect(none, "\(bad.count) differ, the first:\n\(bad.prefix(10).joined(separator: "\n"))")
  }

  @Test func gpt2FolderWithoutConfigAndContextLengthRefused() throws {
    // No config.json: no </w> token in vocab.json makes it GPT-2.
    let dir = Fixtures.temporaryDirectory("tokenize-gpt2-noconfig")
    for name in ["vocab.json", "merges.txt"] {
      try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: dir.appendingPathComponent(name))
    }
    let texts = dir.appendingPathComponent("texts.txt")
    try "hello<|endoftext|>\n".write(to: texts, atomically: true, encoding: .utf8)
    let r = try CommandLineTool.run(["tokenize", "--model", dir.path, "--texts", texts.path])
    #expect(r.status == 0, "\(r.stderr)")
    let ids = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [Int]
    #expect(ids.last == 1196 && !ids.dropLast().contains(1196))
    try CommandLineTool.expectFailure(["tokenize", "--model", dir.path, "--texts", texts.path, "--context-length", "16"],
                                      mentions: ["--context-length", "GPT-2"])
  }

  @Test func brokenGPT2FilesNameTheFile() throws {
    let dir = Fixtures.temporaryDirectory("tokenize-gpt2-broken")
    try FileManager.default.copyItem(at: folder.appendingPathComponent("vocab.json"), to: dir.appendingPathComponent("vocab.json"))
    try "{\"model_type\": \"gpt2\"}".write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    try "#version: 0.2\nĠ a b\n".write(to: dir.appendingPathComponent("merges.txt"), atomically: true, encoding: .utf8)
    let texts = dir.appendingPathComponent("texts.txt")
    try "hello\n".write(to: texts, atomically: true, encoding: .utf8)
    try CommandLineTool.expectFailure(["tokenize", "--model", dir.path, "--texts", texts.path], mentions: ["merges.txt", "line 2"])
    try "{\"model_type\": ".write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
    try CommandLineTool.expectFailure(["tokenize", "--model", dir.path, "--texts", texts.path], mentions: ["config.json"])
  }
}
