import Datasets
import Foundation
import SafeTensors
import TestSupport
import Testing

/// `cliptune fewshot` end to end on the committed tiny CLIP and tasks `cliptune synth` makes:
/// sweeps of every method, one encoding per image per sweep (counted), features reused across
/// methods, resume, determinism, `--eval-only`, `compare`, and bad input.
struct FewShotCLITests {
  static let model = Fixtures.url("clip/tiny").path

  /// A 4-class colour task at the tiny model's 32 px: 20 train images per class, 4 val, 4 test.
  static func task(_ root: URL, images: Int = 120) throws -> URL {
    let out = root.appendingPathComponent("task")
    let r = try CommandLineTool.run(["synth", "--task", "classification", "--factor", "colour", "--images", "\(images)",
                                     "--image-size", "32", "--output", out.path])
    #expect(r.status == 0, "\(r.stderr)")
    return out
  }

  static func json(_ url: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }

  @Test func linearProbeSweepEncodesEachImageOnceAndTheNextMethodReusesThem() throws {
    let root = Fixtures.temporaryDirectory("fewshot-cli"), data = try Self.task(root), cache = root.appendingPathComponent("cache")
    let run = root.appendingPathComponent("lp")
    let r = try CommandLineTool.run(["fewshot", "--model", Self.model, "--data", data.path, "--method", "linear-probe",
                                     "--shots", "1,2,4,8,16", "--seeds", "1,2,3", "--feature-cache", cache.path, "--output", run.path])
    #expect(r.status == 0, "\(r.stderr)")
    let results = try Self.json(run.appendingPathComponent("results.json"))
    let subRuns = results["sub_runs"] as! [[String: Any]]
    #expect(subRuns.count == 15)
    #expect((results["summary"] as! [[String: Any]]).count == 5)
    // The images a sweep needs: every drawn training image, the validation and the test split.
    var used = Set<String>()
    for sub in subRuns {
      let draw = try Self.json(run.appendingPathComponent("\(sub["folder"] as! String)/fewshot_draw.json"))
      for s in draw["samples"] as! [[String: Any]] { used.insert(s["path"] as! String) }
      #expect((sub["chosen"] as! [String: Double])["C"] != nil, "the chosen C is recorded")
    }
    let dataset = try ClassificationDataset.load(data)
    for s in dataset.val + dataset.test { used.insert(dataset.relativePath(s)) }
    #expect(results["encoded_images"] as? Int == used.count, "encoded \(results["encoded_images"]!) of \(used.count) distinct images")
    #expect(used.count < dataset.train.count + dataset.val.count + dataset.test.count || used.count == 120)

    let tip = root.appendingPathComponent("tip")
    let t = try CommandLineTool.run(["fewshot", "--model", Self.model, "--data", data.path, "--method", "tip-adapter",
                                     "--shots", "1,2,4,8,16", "--seeds", "1,2,3", "--feature-cache", cache.path, "--output", tip.path])
    #expect(t.status == 0, "\(t.stderr)")
    let tipResults = try Self.json(tip.appendingPathComponent("results.json"))
    #expect(tipResults["encoded_images"] as? Int == 0, "a second method on the same cache encodes nothing")
    let chosen = ((tipResults["sub_runs"] as! [[String: Any]])[0]["chosen"] as! [String: Double])
    #expect(chosen["tip_alpha"] != nil && chosen["tip_beta"] != nil)
    #expect(FileManager.default.fileExists(atPath: tip.appendingPathComponent("report.html").path))

    let compare = root.appendingPathComponent("compare.html")
    let c = try CommandLineTool.run(["fewshot", "compare", run.path, tip.path, "--output", compare.path])
    #expect(c.status == 0, "\(c.stderr)")
    let html = try String(contentsOf: compare, encoding: .utf8)
    #expect(html.contains("linear-probe") && html.contains("tip-adapter"))
  }

  @Test(arguments: ["clip-adapter", "vpt-shallow", "vpt-deep", "coop", "tip-adapter-f", "lora", "zero-shot"])
  func everyMethodRunsAndIsDeterministic(_ method: String) throws {
    let root = Fixtures.temporaryDirectory("fewshot-cli"), data = try Self.task(root, images: 60)
    var extra = method == "zero-shot" ? [] : ["--max-steps", "3", "--batch-size", "4"]
    if method == "coop" { extra += ["--n-ctx", "4"] }
    var weights: [Data] = []
    for name in ["a", "b"] {
      let run = root.appendingPathComponent(name)
      let r = try CommandLineTool.run(["fewshot", "--model", Self.model, "--data", data.path, "--method", method, "--shots", "2",
                                       "--seeds", "1", "--output", run.path] + extra)
      #expect(r.status == 0, "\(method): \(r.stderr)")
      let sub = run.appendingPathComponent("shots2_seed1")
      #expect(FileManager.default.fileExists(atPath: sub.appendingPathComponent("result.json").path))
      let lines = try String(contentsOf: sub.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
      #expect(lines.filter { $0.contains("\"loss\"") }.count == (method == "zero-shot" ? 0 : 3))
      #expect(lines.contains { $0.contains("\"split\": \"test\"") && $0.contains("macro_f1") })
      if method != "zero-shot" { weights.append(try Data(contentsOf: sub.appendingPathComponent("weights.safetensors"))) }
      if method == "lora" { #expect(FileManager.default.fileExists(atPath: sub.appendingPathComponent("adapter/adapter_model.safetensors").path)) }
    }
    if method != "zero-shot" { #expect(weights[0] == weights[1], "\(method): the same command gives the same tensors") }
  }

  @Test func resumeRedoesOnlyUnfinishedSubRunsAndEvalOnlyReproducesTheTest() throws {
    let root = Fixtures.temporaryDirectory("fewshot-cli"), data = try Self.task(root, images: 60)
    let run = root.appendingPathComponent("run")
    let args = ["fewshot", "--model", Self.model, "--data", data.path, "--method", "clip-adapter", "--shots", "1,2", "--seeds", "1,2",
                "--max-steps", "4", "--batch-size", "4", "--output", run.path]
    #expect(try CommandLineTool.run(args).status == 0)
    let before = try Data(contentsOf: run.appendingPathComponent("shots2_seed2/weights.safetensors"))
    let kept = try Data(contentsOf: run.appendingPathComponent("shots1_seed1/result.json"))
    try FileManager.default.removeItem(at: run.appendingPathComponent("shots2_seed2/result.json"))
    try FileManager.default.removeItem(at: run.appendingPathComponent("results.json"))
    let r = try CommandLineTool.run(["fewshot", "--resume", run.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(try Data(contentsOf: run.appendingPathComponent("shots2_seed2/weights.safetensors")) == before)
    #expect(try Data(contentsOf: run.appendingPathComponent("shots1_seed1/result.json")) == kept, "a finished sub-run is kept as it was")
    #expect((try Self.json(run.appendingPathComponent("results.json"))["sub_runs"] as! [Any]).count == 4)
    try CommandLineTool.expectFailure(args, mentions: ["already holds a run", "--resume"])

    // The linear probe's saved head, evaluated again, gives the same test accuracy.
    let lp = root.appendingPathComponent("lp"), again = root.appendingPathComponent("again")
    #expect(try CommandLineTool.run(["fewshot", "--model", Self.model, "--data", data.path, "--method", "linear-probe", "--shots", "4",
                                     "--seeds", "1", "--lp-c", "1", "--output", lp.path]).status == 0)
    let e = try CommandLineTool.run(["fewshot", "--model", Self.model, "--data", data.path, "--method", "linear-probe", "--eval-only",
                                     "--weights", lp.appendingPathComponent("shots4_seed1/weights.safetensors").path, "--output", again.path])
    #expect(e.status == 0, "\(e.stderr)")
    let acc = { (u: URL) throws -> Double in
      ((try Self.json(u.appendingPathComponent("results.json"))["sub_runs"] as! [[String: Any]])[0]["test"] as! [String: Any])["acc1"] as! Double
    }
    #expect(try acc(lp) == acc(again))

    // So do a trained method's tensors (CLIP-Adapter from the resumed sweep; CoOp's context).
    for (method, source, extra) in [("clip-adapter", run, [String]()), ("coop", root.appendingPathComponent("coop"), ["--n-ctx", "4"])] {
      if method == "coop" {
        #expect(try CommandLineTool.run(["fewshot", "--model", Self.model, "--data", data.path, "--method", "coop", "--shots", "2", "--seeds", "2",
                                         "--max-steps", "3", "--output", source.path] + extra).status == 0)
      }
      let evaluated = root.appendingPathComponent("eval-\(method)")
      let e = try CommandLineTool.run(["fewshot", "--model", Self.model, "--data", data.path, "--method", method, "--eval-only",
                                       "--weights", source.appendingPathComponent("shots2_seed2/weights.safetensors").path,
                                       "--output", evaluated.path] + extra)
      #expect(e.status == 0, "\(method): \(e.stderr)")
      let trained = (try Self.json(source.appendingPathComponent("shots2_seed2/result.json"))["test"] as! [String: Any])["acc1"] as! Double
      #expect(try acc(evaluated) == trained, "\(method): --eval-only reproduces the sub-run's test accuracy")
    }
  }

  @Test func badInputFailsCleanlyAndWritesNothing() throws {
    let root = Fixtures.temporaryDirectory("fewshot-cli"), data = try Self.task(root, images: 40)  // 8 train images per class
    let out = root.appendingPathComponent("out")
    func fails(_ extra: [String], data: URL = data, _ needles: [String]) throws {
      try CommandLineTool.expectFailure(["fewshot", "--model", Self.model, "--data", data.path, "--output", out.path] + extra, mentions: needles)
      #expect(!FileManager.default.fileExists(atPath: out.path), "\(extra): nothing is written")
    }
    try fails(["--method", "linear-probe", "--shots", "16", "--seeds", "1"], ["blue", "16", "--repeat-shots"])
    try fails(["--method", "linear-probe", "--prompt-tokens", "4"], ["--prompt-tokens", "vpt"])
    try fails(["--method", "coop", "--head", "vision"], ["--head", "vision-language"])
    try fails(["--method", "teleport"], ["teleport"])

    // An empty class.
    let empty = root.appendingPathComponent("empty")
    try FileManager.default.copyItem(at: data, to: empty)
    for f in try FileManager.default.contentsOfDirectory(atPath: empty.appendingPathComponent("train/red").path) {
      try FileManager.default.removeItem(at: empty.appendingPathComponent("train/red/\(f)"))
    }
    try fails(["--method", "zero-shot"], data: empty, ["red"])

    // A class-name file of the wrong length.
    let names = root.appendingPathComponent("names.txt")
    try "a\nb\n".write(to: names, atomically: true, encoding: .utf8)
    try fails(["--method", "zero-shot", "--classes", names.path], [names.path, "2"])

    // A VTAB-1k list naming a missing file.
    let vtab = root.appendingPathComponent("vtab")
    try FileManager.default.createDirectory(at: vtab.appendingPathComponent("images"), withIntermediateDirectories: true)
    let image = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("train/red").path).first!
    try FileManager.default.copyItem(at: data.appendingPathComponent("train/red/\(image)"), to: vtab.appendingPathComponent("images/a.png"))
    try "images/a.png 0\nimages/b.png 1\n".write(to: vtab.appendingPathComponent("train800.txt"), atomically: true, encoding: .utf8)
    try "images/a.png 0\nimages/missing.png 1\n".write(to: vtab.appendingPathComponent("test.txt"), atomically: true, encoding: .utf8)
    try "red\nblue\n".write(to: vtab.appendingPathComponent("classes.txt"), atomically: true, encoding: .utf8)
    try fails(["--method", "zero-shot"], data: vtab, ["train800.txt", "b.png"])
  }
}

/// The harness end to end against PyTorch (Scripts/fixtures/make_fewshot_fixtures.py): the 16
/// fixture images as an ImageFolder (train = test), `--shots all`, full batches in a fixed order,
/// the fixture's initial tensors through `--init`, AdamW lr 1e-3 without weight decay: the loss of
/// each of the 10 steps in metrics.jsonl within 1e-4 (relative) of PyTorch's.
struct FewShotHarnessParityTests {
  static let cases: [(String, [String])] = [
    ("clip_adapter", ["--method", "clip-adapter"]),
    ("clip_adapter_vision_head", ["--method", "clip-adapter", "--head", "vision"]),
    ("vpt_shallow", ["--method", "vpt-shallow", "--prompt-tokens", "3", "--prompt-dropout", "0"]),
    ("vpt_deep", ["--method", "vpt-deep", "--prompt-tokens", "3", "--prompt-dropout", "0"]),
    ("coop", ["--method", "coop", "--n-ctx", "4"]),
    ("coop_csc_middle", ["--method", "coop", "--n-ctx", "4", "--csc", "--class-token-position", "middle"]),
    ("coop_init_front", ["--method", "coop", "--ctx-init", "a photo of a", "--class-token-position", "front"]),
    // PyTorch's PEFT scales by α/r = 0.5; the harness scales by α/√r as CLIP-LoRA, so α = 0.5·√2.
    ("lora", ["--method", "lora", "--lora-alpha", "0.7071067811865476", "--lora-dropout", "0"]),
    // Keys start as the normalised features of the draw (the same images): no --init needed.
    ("tip_adapter_f", ["--method", "tip-adapter-f", "--tip-alpha", "1", "--tip-beta", "1"]),
  ]

  /// The fixture images in class folders named so their sorted order is the fixture's class order.
  static func task(_ root: URL) throws -> URL {
    let data = Fixtures.url("train_parity/data"), labels = Fixtures.url("fewshot/methods/labels.json")
    let info = try JSONSerialization.jsonObject(with: Data(contentsOf: labels)) as! [String: Any]
    let classes = info["classes"] as! [String], label = info["labels"] as! [Int]
    let images = (try JSONSerialization.jsonObject(with: Data(contentsOf: data.appendingPathComponent("dataset.json"))) as! [String: Any])["images"] as! [[String: Any]]
    let task = root.appendingPathComponent("task")
    for split in ["train", "test"] {
      for (i, image) in images.enumerated() {
        let folder = task.appendingPathComponent("\(split)/\(label[i])_\(classes[label[i]])")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = image["filename"] as! String
        try FileManager.default.copyItem(at: data.appendingPathComponent("images/\(name)"), to: folder.appendingPathComponent(name))
      }
    }
    try (classes.joined(separator: "\n") + "\n").write(to: task.appendingPathComponent("classes.txt"), atomically: true, encoding: .utf8)
    return task
  }

  @Test func tenStepsFromTheSameInitMatchPyTorch() throws {
    let root = Fixtures.temporaryDirectory("fewshot-parity"), task = try Self.task(root)
    for (name, args) in Self.cases {
      let fixture = Fixtures.url("fewshot/methods/\(name)")
      let expected = ((try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.appendingPathComponent("expected.json"))) as! [String: Any])["losses"] as! [Double]).map(Float.init)
      let run = root.appendingPathComponent(name)
      let initArgs = name == "tip_adapter_f" ? [] : ["--init", fixture.appendingPathComponent("init.safetensors").path]
      let r = try CommandLineTool.run(["fewshot", "--model", FewShotCLITests.model, "--data", task.path, "--shots", "all", "--seeds", "1",
                                       "--no-shuffle",
                                       "--batch-size", "16", "--max-steps", "10", "--optimizer", "adamw", "--lr", "0.001",
                                       "--weight-decay", "0", "--schedule", "constant", "--warmup-steps", "0",
                                       "--classes", task.appendingPathComponent("classes.txt").path, "--output", run.path] + initArgs + args)
      #expect(r.status == 0, "\(name): \(r.stderr)")
      let lines = try String(contentsOf: run.appendingPathComponent("shotsall_seed1/metrics.jsonl"), encoding: .utf8).split(separator: "\n")
      let losses = try lines.compactMap { line -> Float? in
        let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        return (o["loss"] as? Double).map(Float.init)
      }
      if let m = mismatches(losses, expected, tolerance: 1e-4, relative: true) { Issue.record("\(name): \(m)") }
      #expect(losses.count == 10, "\(name)")
    }
  }
}

/// `cliptune demo fewshot --quick` on the committed tiny model: every method runs, one report.
struct FewShotDemoCLITests {
  @Test func quickFewShotDemoRunsEveryMethod() throws {
    let out = Fixtures.temporaryDirectory("fewshot-demo").appendingPathComponent("fewshot")
    let r = try CommandLineTool.run(["demo", "fewshot", "--quick", "--model", FewShotCLITests.model, "--output", out.path, "--factor", "shape"])
    #expect(r.status == 0, "\(r.stderr)")
    let all = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("results.json"))) as! [[String: Any]]
    #expect(all.map { $0["method"] as! String } == ["zero-shot", "linear-probe", "clip-adapter", "vpt-shallow", "vpt-deep", "coop",
                                                    "tip-adapter", "tip-adapter-f", "lora"])
    #expect(r.stdout.contains("| lora |"), "\(r.stdout)")
    let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(html.contains("vpt-deep") && html.contains("<svg"))
    // The methods on cached features shared one cache: the later ones encoded nothing.
    #expect(all.first { $0["method"] as! String == "tip-adapter" }!["encoded_images"] as? Int == 0)
  }
}
