import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// `mmp plan` end to end: files written, exit statuses 0/1/2, inputs untouched,
/// byte-for-byte determinism (contract §9, §10).
@Suite struct PlanCommandTests {
    @Test func plansWritesThreeFilesAndLeavesInputsAlone() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("in.json", Samples.sim)
        let req = try dir.file("requests.yaml", Samples.requests)
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("strict plan: ok"))
        #expect(dir.read("in.json") == Samples.sim)
        let planned = try SimGraphFile.read(Array((dir.read("out/sim.json") ?? "").utf8))
        #expect(
            planned.quantizers.map { "\($0.name)=\($0.dtype)" } == [
                "conv.in=int16", "conv.out=int16", "conv.w=int8", "fc.out=int16", "fc.w=int16"
            ])
        let plan = try JSONParser.parse(Array((dir.read("out/plan.json") ?? "").utf8))
        #expect(plan["format"] == .string("mmp-plan/1"))
        #expect(plan["status"] == .string("ok"))
        #expect(
            plan["quantizers"]?["fc.w"]
                == .object([("dtype", .string("int16")), ("previous", .string("int8")), ("because", .array([.int(0)]))]))
        #expect(dir.read("out/mmp_log.txt")?.contains("Changed quantizers (4)") == true)
        // No temporary files left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/out").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func aParamNoSelectedOpHasIsAWarningAndTheRestIsPlanned() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("in.json", Samples.sim)
        let req = try dir.file("requests.yaml", "requests: [{set_precision: {module: head, activation: int16, param: {wieght: int16}}}]")
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"])
        #expect(r.status == 0, "\(r.stderr)")
        let warning =
            "mmp: warning: request 0 (set_precision: {module: \"head\", activation: int16, param: {wieght: int16}}): "
            + "no selected op has a param named 'wieght'; closest: 'weight'"
        #expect(r.stderr.contains(warning), "\(r.stderr)")
        #expect(
            dir.read("out/mmp_log.txt")?.contains("      warning: no selected op has a param named 'wieght'; closest: 'weight'") == true)
        let plan = try JSONParser.parse(Array((dir.read("out/plan.json") ?? "").utf8))
        #expect(plan["requests"]?.asArray?.first?["warnings"]?.asArray?.count == 1)
        #expect(plan["quantizers"]?["fc.w"]?["dtype"] == .string("int8"))
        #expect(plan["quantizers"]?["conv.out"]?["dtype"] == .string("int16"))
    }

    @Test func sameInputsGiveTheSameBytes() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("sim.json", Samples.sim)
        let req = try dir.file("r.yaml", Samples.requests)
        for out in ["a", "b"] {
            let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--best-effort", "--out-dir", dir.path + "/" + out])
            #expect(r.status == 0)
        }
        for f in ["plan.json", "sim.json", "mmp_log.txt"] {
            #expect(dir.read("a/" + f) != nil)
            #expect(dir.read("a/" + f) == dir.read("b/" + f), "\(f) differs")
        }
    }

    @Test func infeasibleStrictPlanExitsTwoExplainsAndWritesNoSim() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("sim.json", Samples.conflictSim)
        let req = try dir.file("r.yaml", Samples.conflictRequests)
        _ = try dir.file("stale-out-sim.json", "")
        try FileManager.default.createDirectory(atPath: dir.path + "/out", withIntermediateDirectories: true)
        _ = try dir.file("out/sim.json", "stale")
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("conflict 1: requests 0, 1: collide at q.c (request 0 asks int16, request 1 asks int4)"))
        #expect(!dir.exists("out/sim.json"))
        let plan = try JSONParser.parse(Array((dir.read("out/plan.json") ?? "").utf8))
        #expect(plan["status"] == .string("infeasible"))
        #expect(plan["conflicts"]?.asArray?.first?["requests"] == .array([.int(0), .int(1)]))
        #expect(plan["conflicts"]?.asArray?.first?["kind"] == .string("shared-quantizer"))
        #expect(plan["conflicts_complete"] == .bool(true))
        #expect(dir.read("out/mmp_log.txt")?.contains("Conflicts (1)") == true)

        let b = try CLI.run(["plan", "--sim", sim, "--requests", req, "--best-effort", "--out-dir", dir.path + "/out"])
        #expect(b.status == 0)
        #expect(b.stdout.contains("1 honored, 1 not-honored"))
        #expect(dir.exists("out/sim.json"))
    }

    /// Hundreds of conflicts must not flood a terminal: stderr shows the first 20 and says
    /// how many more the log holds, and the log puts them before everything else.
    @Test func manyConflictsShowTheFirstTwentyAndTheLogListsThemFirst() throws {
        let n = 25
        var ops: [String] = [], quantizers: [String] = [], outputs: [String] = [], requests: [String] = []
        for k in 0..<n {
            ops.append(
                #"{"name": "s\#(k)", "type": "Conv", "inputs": ["x"], "outputs": ["s\#(k):0"], "input_quantizers": [null], "output_quantizers": ["s\#(k).out"], "params": {}}"#
            )
            for side in ["a", "b"] {
                ops.append(
                    #"{"name": "\#(side)\#(k)", "type": "Conv", "inputs": ["s\#(k):0"], "outputs": ["\#(side)\#(k):0"], "input_quantizers": [null], "output_quantizers": ["\#(side)\#(k).out"], "params": {}}"#
                )
                quantizers.append(#""\#(side)\#(k).out": {"dtype": "int8"}"#)
                outputs.append(#""\#(side)\#(k):0""#)
            }
            quantizers.append(#""s\#(k).out": {"dtype": "int8"}"#)
            requests.append("  - set_precision: {module: a\(k), activation: int16}\n  - set_precision: {module: b\(k), activation: int4}")
        }
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file(
            "sim.json",
            """
            {"format": "mmp-sim/1", "inputs": ["x"], "outputs": [\(outputs.joined(separator: ", "))],
             "ops": [\(ops.joined(separator: ",\n"))], "quantizers": {\(quantizers.joined(separator: ", "))}}
            """)
        let req = try dir.file("r.yaml", "requests:\n" + requests.joined(separator: "\n") + "\n")
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path + "/out"])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("mmp: conflict ") }.count == 20)
        #expect(lines.contains("mmp: … and 5 more conflicts, listed in the log"))
        let log = try #require(dir.read("out/mmp_log.txt"))
        #expect(log.contains("conflict 25 (shared-quantizer): requests 48, 49 cannot all hold"))
        let conflicts = try #require(log.range(of: "Conflicts (25)")), requests_ = try #require(log.range(of: "Requests as given"))
        #expect(conflicts.lowerBound < requests_.lowerBound)
    }

    static let invalidRuns: [(String, [String], String)] = [
        ("bad sim", ["--sim", "BAD_SIM"], "invalid sim graph: 'BAD_SIM': duplicate op name 'conv'"),
        (
            "bad requests", ["--requests", "BAD_REQ"],
            "invalid request: 'BAD_REQ': line 2, column 47 (requests[0].set_precision.activation): unknown dtype 'int2'"
        ),
        ("unknown module", ["--requests", "UNKNOWN_MODULE"], "unknown module path 'hed'; did you mean 'head'?"),
        ("missing file", ["--sim", "/nonexistent/sim.json"], "cannot read '/nonexistent/sim.json': no such file"),
        (
            "bad config", ["--config", "BAD_CONFIG"],
            "invalid config: 'BAD_CONFIG': defaults.supported_kernels[0].activation needs an integer 'bitwidth'"
        ),
        ("unknown option", ["--frobnicate"], "Unknown option '--frobnicate'"),
        ("both modes", ["--strict", "--best-effort"], "--strict and --best-effort exclude each other"),
        ("empty out-dir", ["--out-dir", ""], "--out-dir is empty")
    ]

    @Test(arguments: invalidRuns)
    func invalidInputExitsOneWithAMessage(_ c: (String, [String], String)) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let files = [
            "SIM": try dir.file("sim.json", Samples.sim),
            "REQ": try dir.file("r.yaml", Samples.requests),
            "BAD_SIM": try dir.file("bad.json", Samples.sim(replacing: #""name": "relu""#, with: #""name": "conv""#)),
            "BAD_REQ": try dir.file("bad.yaml", "requests:\n  - set_precision: {module: head, activation: int2}\n"),
            "UNKNOWN_MODULE": try dir.file("unknown.yaml", "requests:\n  - set_precision: {module: hed, activation: int16}\n"),
            "BAD_CONFIG": try dir.file("config.json", #"{"defaults": {"supported_kernels": [{"activation": {"bitwidth": "8"}}]}}"#)
        ]
        var args = ["plan", "--sim", files["SIM"] ?? "", "--requests", files["REQ"] ?? "", "--out-dir", dir.path + "/out"]
        var k = 0
        while k < c.1.count {
            let opt = c.1[k]
            let value = k + 1 < c.1.count && !c.1[k + 1].hasPrefix("--") ? c.1[k + 1] : nil
            if let value, let at = args.firstIndex(of: opt) {
                args[at + 1] = files[value] ?? value
            } else if let value {
                args += [opt, files[value] ?? value]
            } else {
                args.append(opt)
            }
            k += value == nil ? 1 : 2
        }
        let r = try CLI.run(args)
        // A parse error names the file it is about.
        var expected = c.2
        for (key, path) in files { expected = expected.replacingOccurrences(of: "'\(key)'", with: "'\(path)'") }
        #expect(r.status == 1, "\(c.0): \(r.stderr)")
        #expect(r.stderr.contains(expected), "\(c.0): \(r.stderr)")
        #expect(!dir.exists("out/plan.json"), "\(c.0): wrote output")
    }

    @Test func refusesToOverwriteAnInput() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("sim.json", Samples.sim)
        let req = try dir.file("r.yaml", Samples.requests)
        let r = try CLI.run(["plan", "--sim", sim, "--requests", req, "--out-dir", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("it is one of the inputs"))
        #expect(dir.read("sim.json") == Samples.sim)
        #expect(!dir.exists("plan.json"))
    }

    @Test func helpDocumentsEveryOption() throws {
        let r = try CLI.run(["plan", "--help"])
        #expect(r.status == 0)
        for option in [
            "--sim", "--requests", "--config", "--best-effort", "--strict", "--out-dir", "exits with status 2", "plan.json", "sim.json",
            "mmp_log.txt"
        ] {
            #expect(r.stdout.contains(option), "help lacks \(option)")
        }
    }

    @Test func bundledExamplePlans() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let example = root.appendingPathComponent("Data/examples/resnet_tiny").path
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try CLI.run([
            "plan", "--sim", example + "/sim.json", "--requests", example + "/requests.yaml",
            "--config", root.appendingPathComponent("Data/configs/htp_like.json").path, "--out-dir", dir.path
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("5 honored"))
    }
}

/// The command-line conventions users expect (issue 12).
@Suite struct CommandLineConventionTests {
    @Test(arguments: [["--version"], ["version"]])
    func theVersionIsPrinted(_ args: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status == 0)
        #expect(r.stdout == MMPVersion.current + "\n")
    }

    @Test func theVersionIsTheBridgePackagesVersion() throws {
        let toml = try Files.readText(fixture("aimet-bridge/pyproject.toml"))
        #expect(toml.contains("version = \"\(MMPVersion.current)\""))
    }

    @Test func requestsCanComeFromStandardInput() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let sim = try dir.file("sim.json", Samples.sim)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [
            "-c", "printf '%s' \"$1\" | \"$0\" plan --sim \"$2\" --requests - --out-dir \"$3\"",
            CLI.executable?.path ?? "mmp", Samples.requests, sim, dir.path + "/out"
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(o.contains("strict plan: ok — 2 requests (2 honored)"), "\(o)")
    }

    @Test(arguments: ["plan", "compare", "inspect"])
    func helpTextHasNoLiteralBackslashes(_ command: String) throws {
        let r = try CLI.run([command, "--help"])
        #expect(r.status == 0)
        #expect(!r.stdout.contains("\\"), "\(r.stdout)")
    }
}
