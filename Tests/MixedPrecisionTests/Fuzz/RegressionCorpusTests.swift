import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// Every input that ever crashed `mmp`, hung it or was silently accepted, replayed
/// through the real executable (`Data/fuzz/regressions`, see docs/fuzzing.md). A case is a
/// folder holding the files it changes — `sim.json`, `requests.yaml` or `requests.json`,
/// `config.json`, `model.onnx` (planned with `--onnx`) — and `expect.json`: the exit
/// status, a piece of stderr (empty: stderr must be empty), and extra arguments (`{case}` is the case's copy, `{out}` the
/// output directory). Missing files come from `_base/`.
@Suite struct RegressionCorpusTests {
    static let root = fixture("Data/fuzz/regressions")

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix("_") }.sorted()
    }

    @Test func theCorpusHoldsTheCasesOfIssue12() {
        #expect(Self.cases.count >= 12)
    }

    @Test(arguments: cases)
    func replay(_ name: String) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let fm = FileManager.default
        let copy = dir.path + "/case"
        try fm.copyItem(atPath: "\(Self.root)/\(name)", toPath: copy)
        for base in ["sim.json", "requests.yaml"] {
            let has =
                fm.fileExists(atPath: copy + "/" + base) || (base == "requests.yaml" && fm.fileExists(atPath: copy + "/requests.json"))
                || (base == "sim.json" && fm.fileExists(atPath: copy + "/model.onnx"))
            if !has { try fm.copyItem(atPath: "\(Self.root)/_base/\(base)", toPath: copy + "/" + base) }
        }
        let expect = try JSONParser.parse(Files.read(copy + "/expect.json"))
        let out = dir.path + "/out"
        var args = ["plan"]
        args += fm.fileExists(atPath: copy + "/model.onnx") ? ["--onnx", copy + "/model.onnx"] : ["--sim", copy + "/sim.json"]
        args += ["--requests", copy + (fm.fileExists(atPath: copy + "/requests.json") ? "/requests.json" : "/requests.yaml")]
        if fm.fileExists(atPath: copy + "/config.json") { args += ["--config", copy + "/config.json"] }
        args += ["--out-dir", out]
        for case .string(let a) in expect["args"]?.asArray ?? [] {
            args.append(a.replacingOccurrences(of: "{case}", with: copy).replacingOccurrences(of: "{out}", with: out))
        }
        let r = try CLI.run(args)
        guard case .number(let status)? = expect["status"], case .string(let message)? = expect["stderr"] else {
            Issue.record("\(name): expect.json needs status and stderr")
            return
        }
        #expect("\(r.status)" == status, "\(name): \(r.stderr)")
        // An empty piece of stderr means the run must print nothing there.
        #expect(message.isEmpty ? r.stderr.isEmpty : r.stderr.contains(message), "\(name): \(r.stderr)")
        if r.status != 0 { #expect(!fm.fileExists(atPath: out), "\(name): a failed run wrote output") }
    }
}
