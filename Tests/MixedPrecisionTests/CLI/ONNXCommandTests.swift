import Foundation
import Testing

@testable import MMPFormats
@testable import MMPModel
@testable import MMPSolving
@testable import MixedPrecision

/// `mmp plan --onnx` and `mmp inspect` end to end.
@Suite struct ONNXCommandTests {
    @Test func planOnONNXWritesOverridesForBothConvertersToo() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let r = try CLI.run([
            "plan", "--onnx", fixture("Data/models/mobilenet_v2.onnx"), "--config", fixture("Data/configs/default.json"),
            "--requests", fixture("Data/examples/seed/requests.yaml"), "--out-dir", dir.path
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("6 of 118 quantizers change dtype"))
        let overrides = try JSONParser.parse(Array((dir.read("overrides.json") ?? "").utf8))
        #expect(
            overrides["activation_encodings"]?["x"]
                == .array([.object([("bitwidth", .int(16)), ("dtype", .string("int")), ("is_symmetric", .string("False"))])]))
        let ort = try JSONParser.parse(Array((dir.read("ort_quant_overrides.json") ?? "").utf8))
        #expect(ort["TensorQuantOverrides"]?["x"] == .array([.object([("quant_type", .string("QUInt16")), ("symmetric", .bool(false))])]))
        let sim = try SimGraphFile.read(Array((dir.read("sim.json") ?? "").utf8))
        #expect(sim.quantizers.count == 118)
    }

    static let broken: [(String, @Sendable (Data) -> Data, String)] = [
        ("truncated", { $0.prefix($0.count / 2) }, "invalid ONNX model: 'MODEL': not a readable ONNX model (the file is truncated)"),
        ("not ONNX", { _ in Data(#"{"format": "mmp-sim/1"}"#.utf8) }, "invalid ONNX model"),
        ("empty", { _ in Data() }, "invalid ONNX model: 'MODEL': not an ONNX model"),
        ("garbage", { _ in Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }) }, "invalid ONNX model")
    ]

    @Test(arguments: broken)
    func brokenONNXFilesExitOneWithAMessage(_ c: (String, @Sendable (Data) -> Data, String)) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture("Data/models/mobilenet_v2.onnx")))
        let path = dir.path + "/model.onnx"
        try c.1(original).write(to: URL(fileURLWithPath: path))
        let r = try CLI.run([
            "plan", "--onnx", path, "--config", fixture("Data/configs/default.json"),
            "--requests", fixture("Data/examples/seed/requests.yaml"), "--out-dir", dir.path + "/out"
        ])
        #expect(r.status == 1, "\(c.0)")
        #expect(r.stderr.contains(c.2.replacingOccurrences(of: "'MODEL'", with: "'\(path)'")), "\(c.0): \(r.stderr)")
        #expect(!dir.exists("out"))
    }

    @Test func cyclicONNXIsRejected() throws {
        var b = ONNXBuilder()
        b.input("x")
        b.node("Add", ["x", "b"], ["a"], name: "first")
        b.node("Relu", ["a"], ["b"], name: "second")
        b.output("b")
        #expect {
            _ = try ONNXImporter.simGraph(onnx: b.bytes(), config: QuantSimConfig(), modelName: "m")
        } throws: { "\($0)".contains("the graph has a cycle through node 'first', 'second'") }
        var d = ONNXBuilder()
        d.input("x")
        d.node("Relu", ["nowhere"], ["y"], name: "r")
        d.output("y")
        #expect {
            _ = try ONNXImporter.simGraph(onnx: d.bytes(), config: QuantSimConfig(), modelName: "m")
        } throws: { "\($0)".contains("node 'r' reads tensor 'nowhere', which no node produces") }
    }

    @Test func onnxWithoutAConfigIsPlacedAsAIMETsDefaultConfigPlacesIt() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let onnx = fixture("Data/models/mobilenet_v2.onnx"), req = fixture("Data/examples/seed/requests.yaml")
        let r = try CLI.run(["plan", "--onnx", onnx, "--requests", req, "--out-dir", dir.path + "/a"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stderr.contains(
                "note: no --config: quantizers placed as AIMET's default quantsim config places them (Data/configs/aimet_default.json)"))
        let explicit = try CLI.run([
            "plan", "--onnx", onnx, "--config", fixture(AIMETDefaultConfig.path), "--requests", req, "--out-dir", dir.path + "/b"
        ])
        #expect(explicit.status == 0)
        #expect(dir.read("a/sim.json") == dir.read("b/sim.json"))
    }

    @Test func theBundledDefaultConfigIsTheOneTheBinaryUses() throws {
        #expect(try Files.readText(fixture(AIMETDefaultConfig.path)) == AIMETDefaultConfig.text)
    }

    @Test func onnxNeedsOneModel() throws {
        let both = try CLI.run([
            "plan", "--onnx", "a.onnx", "--sim", "s.json", "--config", "c.json", "--requests", "r.yaml", "--out-dir", "/tmp/x"
        ])
        #expect(both.status == 1)
        #expect(both.stderr.contains("--sim and --onnx exclude each other"))
    }

    @Test func inspectShowsModulesClassesInputsOutputsAndQuantizers() throws {
        let r = try CLI.run(["inspect", "--onnx", fixture("Data/models/llama_tiny.onnx"), "--config", fixture("Data/configs/default.json")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("model 'llama_tiny': 135 ops, 113 quantizers"))
        #expect(r.stdout.contains("model.layers.0.input_layernorm  7 ops  [Pow, ReduceMean, Add, Sqrt, Reciprocal, Mul]  LlamaRMSNorm"))
        #expect(r.stdout.contains("[0] linear_14: linear_14 (int8)"))
        #expect(r.stdout.contains("lm_head.weight  int8  param 'weight' of 'node_embedding', param 'weight' of 'node_linear_14'"))
        let sim = try TempDir()
        defer { sim.cleanup() }
        let s = try sim.file("sim.json", Samples.sim)
        let j = try CLI.run(["inspect", "--sim", s, "--format", "json"])
        #expect(j.status == 0)
        #expect(try JSONParser.parse(Array(j.stdout.utf8))["inputs"] == .array([.string("x")]))
    }
}
